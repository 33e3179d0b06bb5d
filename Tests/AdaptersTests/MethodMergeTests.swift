// MethodMergeTests.swift: DoRA and IA3 folders (PEFT-written fixtures) merged into a GGUF
// (AdapterMerge.mergedTensors + writeMergedGGUF, what `tailor merge` runs) give the same logits
// as the adapter applied unmerged; prompt tuning cannot merge and says so.
import Foundation
import XCTest
import Formats
import Models
import Loading
@testable import Adapters
@testable import Training

final class MethodMergeTests: XCTestCase {
    func testMergedGGUFEqualsUnmergedAdapter() throws {
        let tokens: [Int32] = [5, 17, 200, 33, 64, 150, 297, 7, 88, 120]
        for m in ["dora", "ia3", "lora"] {
            let dir = Fixture.adapters.appendingPathComponent("methods/\(m)").path
            let (g, c, file) = try Fixture.tinyGraph()
            _ = try AdapterRegistry.load(dir, into: g, context: AdapterContext(graphConfig: c, ggufOrder: true))
            let unmerged = try Fixture.logits(g, tokens)
            let merged = try AdapterMerge.mergedTensors(folder: dir, weights: GGUFWeights(file: file), config: c)
            XCTAssertFalse(merged.isEmpty)
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("merged-\(m)-\(UUID()).gguf").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            try AdapterMerge.writeMergedGGUF(base: file, deltas: [:], replacements: merged, type: .f32, to: out)
            let mf = try GGUFFile(path: out)
            let mg = try LlamaTrainingGraph(config: c, weights: GGUFWeights(file: mf), base: .frozen)
            let d = maxAbsDiff(try Fixture.logits(mg, tokens), unmerged)
            print(String(format: "merged GGUF %@: max |merged − unmerged| %.2e", m, d))
            XCTAssertLessThan(d, 1e-4, m)
        }
        let (g, c, file) = try Fixture.tinyGraph()
        _ = g
        XCTAssertThrowsError(try AdapterMerge.mergedTensors(folder: Fixture.adapters.appendingPathComponent("methods/prompt").path,
                                                            weights: GGUFWeights(file: file), config: c)) { e in
            XCTAssertTrue("\(e)".contains("cannot be merged"), "\(e)")
        }
    }
}
