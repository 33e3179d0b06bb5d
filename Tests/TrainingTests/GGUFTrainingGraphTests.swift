// GGUFTrainingGraphTests.swift: the training graph built from the default model's GGUF agrees with
// the inference model (exact f32 path) on logits, with the base frozen in its quantized type and
// dequantized to trainable f32; adapters can wrap every linear layer by name; names follow HF.
// Skips when the default model has not been pulled.
import Foundation
import XCTest
import Formats
import Loading
import Models
import NN
import Tensor
@testable import Training

final class GGUFTrainingGraphTests: XCTestCase {
    func testMatchesInferenceLogitsFrozenAndTrainable() throws {
        let path = try TestAssets.defaultModelPath()
        let loaded = try ModelLoader.load(path, threads: 2)
        loaded.model.activations = .f32
        let weights = GGUFWeights(file: loaded.file)
        let arch = try XCTUnwrap(loaded.file.string("general.architecture"))
        let config = try LlamaConfig(architecture: arch, source: weights, ropeNeox: arch == "qwen2",
                                     embeddingRows: try weights.matrix("token_embd.weight").rows)
        let tokens: [Int32] = [1, 504, 3458, 282, 4649, 314, 253, 1345]
        let ref = try loaded.model.forward(tokens, cache: loaded.model.makeCache(capacity: 16, precision: .f32), allLogits: true)
        let V = config.vocabSize
        for base in [LlamaTrainingGraph.BaseWeights.frozen, .trainable] {
            let graph = try LlamaTrainingGraph(config: config, weights: weights, base: base)
            let tape = Tape(pool: loaded.pool, recording: false)
            let logits = try graph.logits(tokens: tokens + tokens, batch: 2, tape: tape).value.array   // two identical rows
            var worst: Float = 0, scale: Float = 0
            for i in 0..<ref.count {
                worst = max(worst, abs(logits[i] - ref[i]), abs(logits[tokens.count * V + i] - ref[i]))
                scale = max(scale, abs(ref[i]))
            }
            print("GGUF \(base): max |training graph − inference| = \(worst) (max |logit| \(scale))")
            XCTAssertLessThan(worst, 2e-3, "\(base)")
            XCTAssertEqual(graph.parameterCount(trainableOnly: true) == 0, base == .frozen)
        }
    }

    /// An adapter-style wrapper installed through mapLinearLayers changes the output; names are HF's.
    func testLinearLayersCanBeWrappedByName() throws {
        let f = try SafetensorsFile(path: LlamaGradFixtureTests.dir.appendingPathComponent("tiny_qwen2_grad.safetensors").path)
        let config = try JSONDecoder().decode(LlamaConfig.self, from: Data(f.metadata["config"]!.utf8))
        let graph = try LlamaTrainingGraph(config: config, safetensors: f)
        final class Doubling: LinearLayer {
            let base: any LinearLayer
            init(_ b: any LinearLayer) { base = b }
            var inFeatures: Int { base.inFeatures }
            var outFeatures: Int { base.outFeatures }
            func forward(_ x: Variable, tape: Tape) -> Variable { tape.scale(base.forward(x, tape: tape), by: 2) }
            func namedParameters() -> [(name: String, parameter: Parameter)] { base.namedParameters(prefix: "base_layer") }
        }
        var seen: [String] = []
        graph.setFrozen(true)
        graph.mapLinearLayers { name, layer in
            seen.append(name)
            return name.hasSuffix("v_proj") ? Doubling(layer) : layer
        }
        XCTAssertEqual(seen.count, 7 * config.layers + 1)
        XCTAssertTrue(seen.contains("model.layers.0.self_attn.q_proj") && seen.contains("lm_head"))
        let names = graph.namedParameters().map(\.name)
        XCTAssertTrue(names.contains("model.layers.0.self_attn.v_proj.base_layer.weight"))
        XCTAssertTrue(names.contains("model.layers.0.mlp.down_proj.weight"))
        XCTAssertEqual(graph.parameterCount(trainableOnly: true), 0)
        let ids = try f.ints("input_ids").map(Int32.init)
        let out = try graph.logits(tokens: ids, batch: 2, tape: Tape(pool: nil, recording: false)).value.array
        XCTAssertNotEqual(out, try f.floats("logits"))
    }

    /// Out-of-range tokens are an error, not a crash.
    func testBadTokenThrows() throws {
        let f = try SafetensorsFile(path: LlamaGradFixtureTests.dir.appendingPathComponent("tiny_qwen2_grad.safetensors").path)
        let config = try JSONDecoder().decode(LlamaConfig.self, from: Data(f.metadata["config"]!.utf8))
        let graph = try LlamaTrainingGraph(config: config, safetensors: f)
        XCTAssertThrowsError(try graph.logits(tokens: [1, 61], batch: 1, tape: Tape(pool: nil)))
        XCTAssertThrowsError(try Tape(pool: nil).crossEntropy(Variable(shape: [1, 3], values: [0, 0, 0]), targets: [3]))
    }
}

/// Timing of one full fine-tuning step on the default model; runs only with TAILOR_BENCH_TRAINING=1.
final class TrainingStepTiming: XCTestCase {
    func testFullFineTuningStepTiming() throws {
        guard ProcessInfo.processInfo.environment["TAILOR_BENCH_TRAINING"] == "1" else { throw XCTSkip("set TAILOR_BENCH_TRAINING=1") }
        let path = try TestAssets.defaultModelPath()
        let file = try GGUFFile(path: path)
        let weights = GGUFWeights(file: file)
        let config = try LlamaConfig(architecture: "llama", source: weights, ropeNeox: false,
                                     embeddingRows: try weights.matrix("token_embd.weight").rows)
        let graph = try LlamaTrainingGraph(config: config, weights: weights, base: .trainable)
        let pool = ThreadPool(threads: 2)
        let opt = AdamW(parameters: graph.trainableParameters, learningRate: 1e-5)
        let B = 2, T = 128
        let tokens = (0..<(B * T)).map { Int32(($0 * 7919) % 5000) }
        let targets = tokens.enumerated().map { $0.offset % T == T - 1 ? -100 : tokens[$0.offset + 1] }
        for i in 0..<3 {
            let t0 = Date()
            let tape = Tape(pool: pool)
            let loss = try graph.loss(tokens: tokens, targets: targets, batch: B, tape: tape)
            let t1 = Date()
            tape.backward(from: loss)
            let t2 = Date()
            opt.step()
            graph.zeroGradients()
            let t3 = Date()
            print(String(format: "step %d: loss %.4f forward %.2fs backward %.2fs adamw %.2fs (%.0f tokens/s)", i, loss.value.pointer[0],
                         t1.timeIntervalSince(t0), t2.timeIntervalSince(t1), t3.timeIntervalSince(t2), Double(B * T) / t3.timeIntervalSince(t0)))
        }
    }
}
