// PEFTMethodsParityTests.swift: interop with Python PEFT for every method PEFT has (LoRA, DoRA,
// IA3, prompt tuning, prefix tuning), both directions, on the tiny Llama built from its GGUF
// (q/k rows in llama.cpp's order, converted at the file boundary):
//   - folders PEFT wrote (scripts/make_peft_methods_fixtures.py peft) load in Tailor and give
//     PeftModel's logits; saving them again reproduces PEFT's tensors (names, shapes, values);
//   - folders Tailor wrote (this test with TAILOR_WRITE_FIXTURES=1) load in PeftModel
//     (make_peft_methods_fixtures.py tailor) with the logits Tailor computes for them.
import Foundation
import XCTest
import Formats
@testable import Adapters
@testable import Training

final class PEFTMethodsParityTests: XCTestCase {
    static let methods = ["lora", "dora", "ia3", "prompt", "prefix"]
    let dir = Fixture.adapters.appendingPathComponent("methods")

    func tokens() throws -> [Int32] {
        (try Fixture.json("methods/base_logits.json")["tokens"] as! [NSNumber]).map { Int32($0.intValue) }
    }

    func testPythonFoldersGivePeftModelLogits() throws {
        let tokens = try tokens()
        let base = Fixture.floats(try Fixture.json("methods/base_logits.json"), "base_logits")
        for m in Self.methods {
            let (g, c, _) = try Fixture.tinyGraph()
            let ctx = AdapterContext(graphConfig: c, ggufOrder: true)
            XCTAssertLessThan(maxAbsDiff(try Fixture.logits(g, tokens), base), 1e-3, "base")
            let folder = dir.appendingPathComponent(m).path
            let a = try AdapterRegistry.load(folder, into: g, context: ctx)
            XCTAssertEqual(a.method, m)
            let ref = Fixture.floats(try Fixture.json("methods/\(m)_logits.json"), "adapted_logits")
            let diff = maxAbsDiff(try Fixture.logits(g, tokens), ref), effect = maxAbsDiff(ref, base)
            print(String(format: "PEFT parity %@: max |Tailor − PeftModel| %.2e (adapter effect %.2f)", m, diff, effect))
            XCTAssertLessThan(diff, 1e-3, m)
            XCTAssertGreaterThan(effect, 0.5, m)

            let out = FileManager.default.temporaryDirectory.appendingPathComponent("peft-\(m)-\(UUID())").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            try a.save(to: out, context: ctx)
            let x = try SafetensorsFile(path: folder + "/adapter_model.safetensors"), y = try SafetensorsFile(path: out + "/adapter_model.safetensors")
            XCTAssertEqual(Set(x.tensors.map(\.name)), Set(y.tensors.map(\.name)), m)
            for t in x.tensors {
                XCTAssertEqual(y.tensorInfo(t.name)?.shape, t.shape, t.name)
                XCTAssertLessThan(maxAbsDiff(try y.floats(t.name), try x.floats(t.name)), 1e-6, t.name)
            }
        }
    }

    /// Tailor-made adapters (seeded, perturbed so they have an effect): PeftModel's logits for them
    /// (tailor_<m>_logits.json) must equal Tailor's.
    func testTailorFoldersGiveTheSameLogitsInPeftModel() throws {
        let tokens = try tokens()
        let write = ProcessInfo.processInfo.environment["TAILOR_WRITE_FIXTURES"] == "1"
        for m in Self.methods {
            let folder = dir.appendingPathComponent("tailor_\(m)").path
            if write {
                let (g, c, _) = try Fixture.tinyGraph()
                var o = AdapterOptions()
                o.lora = LoRAConfig(rank: 4, alpha: 8); o.virtualTokens = 3
                let a = try AdapterRegistry.attach(m, options: o, to: g, context: AdapterContext(graphConfig: c, ggufOrder: true), random: RandomState(seed: 5))
                let rng = RandomState(seed: 6)
                for (_, p) in a.namedParameters { for i in 0..<p.count { p.value.pointer[i] += (rng.uniform() - 0.5) * 0.8 } }
                try? FileManager.default.removeItem(atPath: folder)
                try a.save(to: folder, context: AdapterContext(graphConfig: c, ggufOrder: true))
                continue
            }
            let refPath = "methods/tailor_\(m)_logits.json"
            guard FileManager.default.fileExists(atPath: Fixture.adapters.appendingPathComponent(refPath).path) else {
                XCTFail("missing \(refPath): run this test with TAILOR_WRITE_FIXTURES=1, then scripts/make_peft_methods_fixtures.py tailor"); continue
            }
            let (g, c, _) = try Fixture.tinyGraph()
            _ = try AdapterRegistry.load(folder, into: g, context: AdapterContext(graphConfig: c, ggufOrder: true))
            let diff = maxAbsDiff(try Fixture.logits(g, tokens), Fixture.floats(try Fixture.json(refPath), "adapted_logits"))
            print(String(format: "PEFT loads Tailor's %@: max |Tailor − PeftModel| %.2e", m, diff))
            XCTAssertLessThan(diff, 1e-3, m)
        }
    }
}
