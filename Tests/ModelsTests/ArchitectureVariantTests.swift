// ArchitectureVariantTests.swift: tiny random GGUF models for what the default model does not
// exercise (Tests/Fixtures/models, scripts/make_tiny_models.py): untied output, linear RoPE
// scaling, Qwen2's NeoX RoPE and QKV biases, Llama 3 rope_freqs with partial rotary dims, and the
// F16/BF16/Q4_0/Q5_0/Q5_1/Q2_K/Q3_K/Q4_K/Q5_K/Q6_K weight types, against a float64 NumPy forward.
import Foundation
import XCTest
@testable import Loading
import Models
import Tensor
import TestSupport

final class ArchitectureVariantTests: XCTestCase {
    struct Ref: Decodable {
        struct Model: Decodable { let logits: [[Double]] }
        let prompt_ids: [Int32]
        let models: [String: Model]
    }

    func check(_ name: String, architecture: String) throws {
        let dir = TestAssets.fixtures.appendingPathComponent("models")
        let ref = try JSONDecoder().decode(Ref.self, from: Data(contentsOf: dir.appendingPathComponent("tiny-models-f64.json")))
        let want = try XCTUnwrap(ref.models[name]).logits
        let loaded = try ModelLoader.load(dir.appendingPathComponent("\(name).gguf").path, threads: 2)
        XCTAssertEqual(loaded.model.architecture, architecture)
        let V = loaded.model.vocabularySize
        for activations in [ActivationPrecision.f32, .int8] {
            loaded.model.activations = activations
            let cache = loaded.model.makeCache(capacity: 32, precision: .f32)
            let got = try loaded.model.forward(ref.prompt_ids, cache: cache, allLogits: true)
            var worst = 0.0, scale = 0.0
            for (t, row) in want.enumerated() {
                for (i, w) in row.enumerated() {
                    worst = max(worst, abs(Double(got[t * V + i]) - w))
                    scale = max(scale, abs(w))
                }
            }
            // exact path: f32 rounding only. int8 path: 8-bit activation noise, which random weights
            // amplify (up to ~6% of the logit scale here); a sanity bound against gross errors, the
            // per-type int8 kernels are checked exactly in KernelsTests.
            let tol = activations == .f32 ? 2e-4 * max(scale, 1) : 0.1 * scale
            XCTAssertLessThan(worst, tol, "\(name) [\(activations)] max error \(worst), logit scale \(scale)")
        }
    }

    func testUntiedOutputLinearRopeScalingAndMixedQuants() throws { try check("tiny-llama", architecture: "llama") }
    func testQwen2NeoxRopeAndBiases() throws { try check("tiny-qwen2", architecture: "qwen2") }
    func testLlama3FrequencyFactorsAndPartialRope() throws { try check("tiny-llama3", architecture: "llama") }
}
