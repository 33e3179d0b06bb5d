// LoRATests.swift: the LoRA conformance battery on the tiny Llama: a fresh adapter (B = 0) gives
// exactly the base logits; only adapter parameters train; merge gives the unmerged output and
// unmerge restores the base; disabling gives the base; PEFT-folder save/load round trip; target
// pattern matching; rsLoRA scaling.
import Foundation
import XCTest
import NN
import Tensor
@testable import Adapters
@testable import Training

final class LoRATests: XCTestCase {
    let tokens: [Int32] = [5, 17, 200, 33, 64, 150, 297, 7]

    func testFreshAdapterEqualsBase() throws {
        let (g, _, _) = try Fixture.tinyGraph()
        let base = try Fixture.logits(g, tokens)
        let layers = try LoRA.apply(LoRAConfig(rank: 4, alpha: 8), to: g, random: RandomState(seed: 1))
        XCTAssertEqual(layers.count, 14)
        XCTAssertEqual(try Fixture.logits(g, tokens), base, "step 0 must equal the base model exactly")
        let trainable = g.namedParameters().filter { !$0.parameter.isFrozen }.map(\.name)
        XCTAssertEqual(trainable.count, 28)
        XCTAssertTrue(trainable.allSatisfy { $0.contains(".lora_A.") || $0.contains(".lora_B.") })
        XCTAssertTrue(layers.values.allSatisfy { $0.loraA.value.array.contains { $0 != 0 } })
    }

    func testMergeUnmergeDisable() throws {
        let (g, _, _) = try Fixture.tinyGraph(base: .trainable)
        g.setFrozen(true)
        let base = try Fixture.logits(g, tokens)
        let layers = try LoRA.apply(LoRAConfig(rank: 4, alpha: 8, targetModules: ["q_proj", "v_proj", "down_proj"]), to: g, random: RandomState(seed: 2))
        XCTAssertEqual(layers.count, 6)
        let rng = RandomState(seed: 3)
        for l in layers.values { for i in 0..<l.loraB.count { l.loraB.value.pointer[i] = rng.uniform() - 0.5 } }
        let adapted = try Fixture.logits(g, tokens)
        XCTAssertGreaterThan(maxAbsDiff(adapted, base), 0.05)
        for l in layers.values { l.isEnabled = false }
        XCTAssertEqual(try Fixture.logits(g, tokens), base)
        // Tolerance relative to the logit scale (f32 sums in another order).
        let scale = adapted.map(abs).max()!
        let before = layers.mapValues { ($0.base as! DenseLinear).weight.value.array }
        for l in layers.values { l.isEnabled = true; try l.merge() }
        let merged = maxAbsDiff(try Fixture.logits(g, tokens), adapted)
        for l in layers.values { try l.unmerge() }
        let unmerged = maxAbsDiff(try Fixture.logits(g, tokens), adapted)
        for l in layers.values { l.isEnabled = false }
        let restored = maxAbsDiff(try Fixture.logits(g, tokens), base)
        for (n, l) in layers { XCTAssertLessThan(maxAbsDiff(before[n]!, (l.base as! DenseLinear).weight.value.array), 1e-6, n) }
        print("merge: |merged − adapted| \(merged), |unmerged − adapted| \(unmerged), |unmerged disabled − base| \(restored), max |logit| \(scale)")
        XCTAssertLessThan(restored, 1e-5 * scale)
        XCTAssertLessThan(merged, 1e-5 * scale)
        XCTAssertLessThan(unmerged, 1e-5 * scale)
    }

    func testPEFTFolderRoundTrip() throws {
        let (g, c, _) = try Fixture.tinyGraph()
        let cfg = LoRAConfig(rank: 2, alpha: 4, useRSLoRA: true)
        let layers = try LoRA.apply(cfg, to: g, random: RandomState(seed: 4))
        let rng = RandomState(seed: 5)
        for l in layers.values { for i in 0..<l.loraB.count { l.loraB.value.pointer[i] = rng.uniform() - 0.5 } }
        let adapted = try Fixture.logits(g, tokens)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("peft-rt-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try PEFTFolder.save(layers, config: cfg, graphConfig: c, ggufOrder: true, baseModel: "tiny", to: dir)
        let (g2, _, _) = try Fixture.tinyGraph()
        let (cfg2, l2) = try PEFTFolder.load(dir, into: g2, ggufOrder: true)
        XCTAssertEqual(cfg2, cfg)
        XCTAssertEqual(l2.count, layers.count)
        XCTAssertEqual(try Fixture.logits(g2, tokens), adapted)
        XCTAssertEqual(layers["model.layers.0.self_attn.q_proj"]!.scaling, 4 / Float(2).squareRoot())
    }

    func testTargetPatterns() {
        XCTAssertTrue(LoRAConfig.matches("model.layers.3.self_attn.q_proj", pattern: "q_proj"))
        XCTAssertFalse(LoRAConfig.matches("model.layers.3.self_attn.q_proj", pattern: "proj"))
        XCTAssertTrue(LoRAConfig.matches("model.layers.3.self_attn.q_proj", pattern: "model.layers.3.*"))
        XCTAssertFalse(LoRAConfig.matches("model.layers.13.self_attn.q_proj", pattern: "model.layers.3.*"))
        XCTAssertTrue(LoRAConfig.matches("model.layers.1.mlp.up_proj", pattern: "*.mlp.*"))
        XCTAssertThrowsError(try LoRA.apply(LoRAConfig(targetModules: ["nothing"]), to: try Fixture.tinyGraph().0, random: nil))
    }

    func testQKPermutationInverts() {
        let p = QKPermutation(heads: 2, headDim: 8)
        let m = (0..<(16 * 3)).map(Float.init)
        XCTAssertEqual(p.toGGUF(p.toHF(m, cols: 3), cols: 3), m)
        XCTAssertEqual(p.hfRow(ofGGUFRow: 1), 4)   // GGUF row 2i+j = HF row j·Dh/2 + i
        XCTAssertEqual(p.hfRow(ofGGUFRow: 2), 1)
    }
}
