// LlamaGradFixtureTests.swift: the training graph against PyTorch on tiny random models
// (Tests/Fixtures/training/*.safetensors, made by scripts/make_tiny_llama_grad_fixture.py in
// float64): logits, loss and the gradient of every parameter. Tolerance: per tensor,
// max |Tailor − PyTorch| ≤ 1e-4 × max |PyTorch| (f32 arithmetic against an f64 reference).
import Foundation
import XCTest
import Formats
import Models
import NN
import Tensor
@testable import Training
import TestSupport

final class LlamaGradFixtureTests: XCTestCase {
    static let dir = TestAssets.fixtures.appendingPathComponent("training")

    struct Outcome { var lossError = 0.0; var logitError = 0.0; var worstGrad = 0.0; var worstName = "" }

    /// Runs one fixture; returns the largest relative errors seen.
    func run(_ file: String, threads: Int) throws -> Outcome {
        let f = try SafetensorsFile(path: Self.dir.appendingPathComponent(file).path)
        let config = try JSONDecoder().decode(LlamaConfig.self, from: Data(try XCTUnwrap(f.metadata["config"]).utf8))
        let graph = try LlamaTrainingGraph(config: config, safetensors: f)
        let batch = Int(try XCTUnwrap(f.metadata["batch"]))!
        XCTAssertEqual(graph.lmHead == nil, f.metadata["tied"] == "true")
        let ids = try f.ints("input_ids").map(Int32.init), labels = try f.ints("labels").map(Int32.init)
        XCTAssertTrue(labels.contains(-100))

        let tape = Tape(pool: ThreadPool(threads: threads))
        let logits = try graph.logits(tokens: ids, batch: batch, tape: tape)
        let loss = try tape.crossEntropy(logits, targets: labels)
        tape.backward(from: loss)

        var out = Outcome()
        let refLoss = Double(try f.floats("loss")[0])
        out.lossError = abs(Double(loss.value.pointer[0]) - refLoss) / abs(refLoss)
        out.logitError = relError(logits.value.array, try f.floats("logits"))
        let named = graph.namedParameters()
        let stored = Set(f.tensors.map(\.name).filter { $0.hasPrefix("grad.") }.map { String($0.dropFirst(5)) })
        XCTAssertEqual(Set(named.map(\.name)), stored, "parameter names match the HF names in the fixture")
        for (name, p) in named {
            let g = try XCTUnwrap(p.grad, "\(name) has no gradient")
            let e = relError(g.array, try f.floats("grad.\(name)"))
            if e > out.worstGrad { out.worstGrad = e; out.worstName = name }
            XCTAssertLessThan(e, 1e-4, "\(file): gradient of \(name)")
        }
        XCTAssertLessThan(out.lossError, 1e-5, "\(file): loss")
        XCTAssertLessThan(out.logitError, 1e-5, "\(file): logits")
        print(String(format: "%@ (%d threads): loss rel err %.2e, logits %.2e, worst gradient %.2e (%@)",
                     file, threads, out.lossError, out.logitError, out.worstGrad, out.worstName))
        return out
    }

    /// max |a − b| / max |b|.
    func relError(_ a: [Float], _ b: [Float]) -> Double {
        XCTAssertEqual(a.count, b.count)
        var num = 0.0, den = 1e-30
        for (x, y) in zip(a, b) { num = max(num, Double(abs(x - y))); den = max(den, Double(abs(y))) }
        return num / den
    }

    func testTinyLlamaTiedNormalRope() throws {
        _ = try run("tiny_llama_grad.safetensors", threads: 2)
        _ = try run("tiny_llama_grad.safetensors", threads: 1)
    }

    func testTinyQwen2NeoxBiasesUntied() throws {
        _ = try run("tiny_qwen2_grad.safetensors", threads: 2)
    }
}
