// PEFTParityTests.swift: a LoRA adapter made by Python PEFT (scripts/make_adapter_fixtures.py peft)
// loads into the tiny Llama built from its GGUF (q/k B rows permuted into llama.cpp's order) and
// gives PeftModel's logits; the base gives transformers' logits; saving it again reproduces
// PEFT's tensors exactly (names, shapes, HF row order).
import Foundation
import XCTest
import Formats
@testable import Adapters
@testable import Training

final class PEFTParityTests: XCTestCase {
    func testPythonPEFTAdapterMatchesPeftModelLogits() throws {
        let ref = try Fixture.json("peft_tiny_llama_logits.json")
        let tokens = (ref["tokens"] as! [NSNumber]).map { Int32($0.intValue) }
        let (g, c, _) = try Fixture.tinyGraph()
        let baseDiff = maxAbsDiff(try Fixture.logits(g, tokens), Fixture.floats(ref, "base_logits"))
        let dir = Fixture.adapters.appendingPathComponent("peft_tiny_llama").path
        let (cfg, layers) = try PEFTFolder.load(dir, into: g, ggufOrder: true)
        XCTAssertEqual(cfg.rank, 4); XCTAssertEqual(cfg.alpha, 8); XCTAssertEqual(layers.count, 14)
        let adapted = try Fixture.logits(g, tokens)
        let adaptedDiff = maxAbsDiff(adapted, Fixture.floats(ref, "adapted_logits"))
        let effect = maxAbsDiff(Fixture.floats(ref, "adapted_logits"), Fixture.floats(ref, "base_logits"))
        print("PEFT parity: max |Tailor − transformers| base \(baseDiff), with adapter \(adaptedDiff) (adapter effect \(effect))")
        XCTAssertLessThan(baseDiff, 1e-3)
        XCTAssertLessThan(adaptedDiff, 1e-3)
        XCTAssertGreaterThan(effect, 0.5)

        let out = FileManager.default.temporaryDirectory.appendingPathComponent("peft-resave-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        try PEFTFolder.save(layers, config: cfg, graphConfig: c, ggufOrder: true, baseModel: nil, to: out)
        let a = try SafetensorsFile(path: dir + "/adapter_model.safetensors"), b = try SafetensorsFile(path: out + "/adapter_model.safetensors")
        XCTAssertEqual(Set(a.tensors.map(\.name)), Set(b.tensors.map(\.name)))
        for t in a.tensors {
            XCTAssertEqual(b.tensorInfo(t.name)?.shape, t.shape, t.name)
            XCTAssertEqual(try b.floats(t.name), try a.floats(t.name), t.name)
        }
    }
}
