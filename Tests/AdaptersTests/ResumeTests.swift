// ResumeTests.swift: the FineTune recipe on the tiny Llama with LoRA (dropout on, gradient
// accumulation, validation): a run interrupted after 3 steps (maxSteps) and resumed with
// `resume` ends bit-identical to the uninterrupted run (adapter tensors, metrics), as does a run
// stopped by a (simulated) Ctrl-C. Early stopping keeps the best adapter. Data: byte-level text.
import Foundation
import XCTest
import NN
import Tensor
@testable import Adapters
@testable import Training

final class ResumeTests: XCTestCase {
    func examples() -> [TokenizedExample] {
        (0..<12).map { i in
            let t = (0..<(6 + i % 5)).map { Int32((i * 37 + $0 * 11) % 250 + 3) }
            return TokenizedExample(tokens: t, inLoss: t.indices.map { $0 >= 2 }, origin: "x:\(i)")
        }
    }

    func run(dir: String, maxSteps: Int?, resume: Bool, patience: Int = 0, interruptAt: Int? = nil) throws -> (FineTuneResult, [Float], String) {
        let (g, _, _) = try Fixture.tinyGraph()
        let random = RandomState(seed: 7)
        try LoRA.apply(LoRAConfig(rank: 4, alpha: 8, dropout: 0.1), to: g, random: random)
        let params = g.namedParameters().filter { !$0.parameter.isFrozen }
        let ex = examples()
        var job = FineTuneJob(graph: g, parameters: params, train: Array(ex[0..<9]), validation: Array(ex[9...]), padID: 0, random: random,
                              pool: nil, directory: dir, saveArtifact: { d in
            try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
            try Data("x".utf8).write(to: URL(fileURLWithPath: d + "/marker"))
        })
        job.setTraining = { LoRA.setTraining($0, in: g) }
        var c = FineTuneConfig()
        c.epochs = 3; c.batchSize = 2; c.gradientAccumulation = 2; c.learningRate = 5e-3; c.validateEvery = 2; c.seed = 11
        c.maxSteps = maxSteps; c.quiet = true; c.patience = patience; c.warmupSteps = 1
        if let k = interruptAt {
            // Ctrl-C arrives during step k: the loop notices it before the next step.
            c.maxSteps = nil
            var seen = 0
            job.saveArtifact = { _ in }
            let orig = job.setTraining
            job.setTraining = { on in orig(on); if !on { seen += 1; if seen == k / 2 { Interrupt.request() } } }
        }
        defer { Interrupt.reset() }
        let r = try FineTune.run(job, config: c, resume: resume)
        let weights = params.flatMap { $0.parameter.value.array }
        let metrics = (try? String(contentsOfFile: dir + "/metrics.jsonl")) ?? ""
        return (r, weights, metrics.split(separator: "\n").map { l in
            l.replacingOccurrences(of: #""tokens_per_second":[0-9.e+-]+,?"#, with: "", options: .regularExpression) }.joined(separator: "\n"))
    }

    func testResumeIsBitIdentical() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let (full, wFull, mFull) = try run(dir: tmp + "/a", maxSteps: nil, resume: false)
        XCTAssertEqual(full.steps, 7)   // 9 examples / batch 2 = 5 micro-batches × 3 epochs / accumulation 2
        let (part, _, _) = try run(dir: tmp + "/b", maxSteps: 3, resume: false)
        XCTAssertEqual(part.steps, 3)
        let (resumed, wRes, mRes) = try run(dir: tmp + "/b", maxSteps: nil, resume: true)
        XCTAssertEqual(resumed.steps, 7)
        XCTAssertEqual(wRes, wFull, "resumed adapter weights must be bit-identical")
        XCTAssertEqual(mRes, mFull)
        XCTAssertEqual(resumed.lastTrainLoss, full.lastTrainLoss)
        XCTAssertTrue(FileManager.default.fileExists(atPath: tmp + "/a/loss_curve.svg"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: tmp + "/a/best/marker"))

        let (stopped, _, _) = try run(dir: tmp + "/c", maxSteps: nil, resume: false, interruptAt: 4)
        XCTAssertTrue(stopped.interrupted)
        XCTAssertLessThan(stopped.steps, 7)
        let (after, wAfter, _) = try run(dir: tmp + "/c", maxSteps: nil, resume: true)
        XCTAssertEqual(after.steps, 7)
        XCTAssertEqual(wAfter, wFull, "after Ctrl-C and --resume")
    }

    func testEarlyStoppingWithPatience() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("es-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let (r, _, m) = try run(dir: tmp, maxSteps: nil, resume: false, patience: 1)
        let vals = m.split(separator: "\n").filter { $0.contains("val_loss") }
        XCTAssertEqual(r.stoppedEarly, vals.count < 3)
        XCTAssertNotNil(r.bestValidationLoss)
    }
}
