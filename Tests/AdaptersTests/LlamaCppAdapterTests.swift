// LlamaCppAdapterTests.swift: the llama.cpp side. Tailor exports the Python-made PEFT adapter as
// a GGUF LoRA (tailor_tiny_llama_lora.gguf, committed; regenerated with TAILOR_WRITE_FIXTURES=1)
// and llama-cpp-python ran the tiny Llama with it (scripts/make_adapter_fixtures.py llamacpp):
// Tailor's inference model with the adapter merged at load must give llama.cpp's logits. A merged
// GGUF written by AdapterMerge must run in Tailor like the adapter applied at load.
import Foundation
import XCTest
import Formats
import Loading
import Models
import Tensor
@testable import Adapters
@testable import Training

final class LlamaCppAdapterTests: XCTestCase {
    let peft = Fixture.adapters.appendingPathComponent("peft_tiny_llama").path
    let ggufLoRA = Fixture.adapters.appendingPathComponent("tailor_tiny_llama_lora.gguf").path

    func exportAdapter(to path: String) throws {
        let (g, c, _) = try Fixture.tinyGraph()
        let (cfg, layers) = try PEFTFolder.load(peft, into: g, ggufOrder: true)
        try GGUFLoRA.write(layers, config: cfg, graphConfig: c, ggufOrder: true, to: path)
    }

    func testExportIsStableAndWellFormed() throws {
        if ProcessInfo.processInfo.environment["TAILOR_WRITE_FIXTURES"] == "1" { try exportAdapter(to: ggufLoRA) }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("lora-\(UUID()).gguf").path
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try exportAdapter(to: tmp)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: tmp)), try Data(contentsOf: URL(fileURLWithPath: ggufLoRA)))
        let f = try GGUFFile(path: tmp)
        XCTAssertEqual(f.string("general.type"), "adapter")
        XCTAssertEqual(f.string("adapter.type"), "lora")
        XCTAssertEqual(f.float("adapter.lora.alpha"), 8)
        XCTAssertEqual(f.tensorInfo("blk.0.attn_q.weight.lora_a")?.dims, [64, 4])    // ne: [in, r]
        XCTAssertEqual(f.tensorInfo("blk.0.attn_q.weight.lora_b")?.dims, [4, 64])    // ne: [r, out]
        XCTAssertEqual(f.tensorInfo("blk.1.ffn_down.weight.lora_b")?.dims, [4, 64])
    }

    func testTailorWithAdapterMatchesLlamaCpp() throws {
        let ref = try Fixture.json("llamacpp_tiny_llama_lora_logits.json")
        let tokens = (ref["tokens"] as! [NSNumber]).map { Int32($0.intValue) }
        func run(_ adapter: String?) throws -> [Float] {
            let m = try ModelLoader.load(Fixture.tinyLlama, threads: 1, weights: adapter.map { dir in
                { w in try MergedWeights(base: w, deltas: AdapterMerge.deltas(peftFolder: dir, config: Fixture.tinyGraph().1)) } })
            return try m.model.forward(tokens, cache: m.model.makeCache(capacity: 32, precision: .f32), allLogits: true)
        }
        let base = maxAbsDiff(try run(nil), Fixture.floats(ref, "base_logits"))
        let adapted = maxAbsDiff(try run(peft), Fixture.floats(ref, "adapted_logits"))
        let effect = maxAbsDiff(Fixture.floats(ref, "adapted_logits"), Fixture.floats(ref, "base_logits"))
        print("llama.cpp parity: max |Tailor − llama.cpp| base \(base), with LoRA \(adapted) (adapter effect \(effect))")
        // llama.cpp quantizes activations to 8 bit against this random tiny model's mixed quant types;
        // its base already differs by ~0.03. The adapter must not add more than that again.
        XCTAssertLessThan(base, 0.05)
        XCTAssertLessThan(adapted, 0.1)
        XCTAssertLessThan(adapted, 0.05 * effect)
        XCTAssertGreaterThan(effect, 0.5)
    }

    /// LoRA unmerged beside the quantized base (LoRAWeights) is the merged model's math: equal to
    /// f32 merging on the exact path, and as close to llama.cpp (which also applies it unmerged) on
    /// the int8 path; products, rows and dequantization all include the correction.
    func testUnmergedLoRAEqualsMergedAndLlamaCpp() throws {
        let ref = try Fixture.json("llamacpp_tiny_llama_lora_logits.json")
        let tokens = (ref["tokens"] as! [NSNumber]).map { Int32($0.intValue) }
        let c = try Fixture.tinyGraph().1
        let deltas = try AdapterMerge.deltas(peftFolder: peft, config: c)
        let merged = try ModelLoader.load(Fixture.tinyLlama, threads: 1, weights: { w in try MergedWeights(base: w, deltas: deltas) })
        let unmerged = try ModelLoader.load(Fixture.tinyLlama, threads: 1, weights: { [peft] w in try LoRAWeights(base: w, peftFolder: peft, config: c) })
        for m in [merged, unmerged] { m.model.activations = .f32 }
        func logits(_ m: LoadedModel) throws -> [Float] {
            try m.model.forward(tokens, cache: m.model.makeCache(capacity: 32, precision: .f32), allLogits: true)
        }
        XCTAssertLessThan(maxAbsDiff(try logits(unmerged), try logits(merged)), 1e-4, "exact path: unmerged == merged")
        unmerged.model.activations = .int8
        let adapted = maxAbsDiff(try logits(unmerged), Fixture.floats(ref, "adapted_logits"))
        XCTAssertLessThan(adapted, 0.1, "int8 path vs llama.cpp with the adapter")
        // the correction also shows in rows and dequantization
        let w = try LoRAWeights(base: GGUFWeights(file: GGUFFile(path: Fixture.tinyLlama)), peftFolder: peft, config: c)
        let q = try w.matrix("blk.1.attn_q.weight"), full = q.dequantized()
        let base = try GGUFWeights(file: GGUFFile(path: Fixture.tinyLlama)).matrix("blk.1.attn_q.weight").dequantized()
        let want = zip(base, deltas["blk.1.attn_q.weight"]!).map { $0 + $1 }
        XCTAssertLessThan(maxAbsDiff(full, want), 1e-5)
        var row = [Float](repeating: 0, count: q.cols)
        row.withUnsafeMutableBufferPointer { q.row(3, into: $0.baseAddress!) }
        XCTAssertLessThan(maxAbsDiff(row, Array(want[(3 * q.cols)..<(4 * q.cols)])), 1e-5)
    }

    func testMergedGGUFRunsLikeAdapterAtLoad() throws {
        let tokens: [Int32] = [5, 17, 200, 33, 64]
        let (_, c, file) = try Fixture.tinyGraph()
        let deltas = try AdapterMerge.deltas(peftFolder: peft, config: c)
        var outs: [Float] = []
        for type in [GGMLType.f32, .f16, .q8_0] {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("merged-\(UUID()).gguf").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            try AdapterMerge.writeMergedGGUF(base: file, deltas: deltas, type: type, to: path)
            let m = try ModelLoader.load(path, threads: 1)
            m.model.activations = .f32
            let y = try m.model.forward(tokens, cache: m.model.makeCache(capacity: 16, precision: .f32), allLogits: true)
            if outs.isEmpty { outs = y } else { XCTAssertLessThan(maxAbsDiff(y, outs), type == .f16 ? 0.02 : 0.1, "\(type)") }
        }
        let live = try ModelLoader.load(Fixture.tinyLlama, threads: 1, weights: { w in try MergedWeights(base: w, deltas: deltas) })
        live.model.activations = .f32
        let y = try live.model.forward(tokens, cache: live.model.makeCache(capacity: 16, precision: .f32), allLogits: true)
        XCTAssertLessThan(maxAbsDiff(y, outs), 1e-4, "f32 merged file == adapter merged at load")
    }
}
