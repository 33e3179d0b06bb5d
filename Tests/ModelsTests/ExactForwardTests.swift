// ExactForwardTests.swift: the forward pass with exact (f32) activations against an independent
// float64 NumPy implementation on the same GGUF (Tests/Fixtures/reference/smollm2-f64.json, made
// by scripts/make_f64_reference.py). Logits at every position of a batched prompt, and the same
// positions reached through the KV cache in pieces, must agree to 2e-3.
import Foundation
import XCTest
@testable import Loading
import Models
import TestSupport

struct F64Reference: Decodable {
    struct Position: Decodable { let top20: [[Double]]; let probes: [Double] }
    struct Case: Decodable { let prompt_ids: [Int32]; let positions: [Position] }
    let probe_ids: [Int]
    let cases: [Case]
}

final class ExactForwardTests: XCTestCase {
    static let tolerance: Float = 2e-3

    func load() throws -> (LoadedModel, F64Reference) {
        let loaded = try ModelLoader.load(try TestAssets.defaultModelPath(), threads: 2)
        loaded.model.activations = .f32
        let url = TestAssets.fixtures.appendingPathComponent("reference/smollm2-f64.json")
        return (loaded, try JSONDecoder().decode(F64Reference.self, from: Data(contentsOf: url)))
    }

    func compare(_ logits: ArraySlice<Float>, _ p: F64Reference.Position, probes: [Int], _ what: String) {
        let base = logits.startIndex
        var worst: Float = 0
        for pair in p.top20 { worst = max(worst, abs(logits[base + Int(pair[0])] - Float(pair[1]))) }
        for (i, id) in probes.enumerated() { worst = max(worst, abs(logits[base + id] - Float(p.probes[i]))) }
        XCTAssertLessThan(worst, Self.tolerance, what)
        var best = base
        for i in logits.indices where logits[i] > logits[best] { best = i }
        if p.top20[0][1] - p.top20[1][1] > Double(2 * Self.tolerance) {
            XCTAssertEqual(best - base, Int(p.top20[0][0]), "\(what): top-1")
        }
    }

    func testBatchedPromptAllPositions() throws {
        let (loaded, ref) = try load()
        let V = loaded.model.vocabularySize
        for (ci, c) in ref.cases.enumerated() {
            let cache = loaded.model.makeCache(capacity: 256, precision: .f32)
            let logits = try loaded.model.forward(c.prompt_ids, cache: cache, allLogits: true)
            XCTAssertEqual(logits.count, c.prompt_ids.count * V)
            for (t, p) in c.positions.enumerated() {
                compare(logits[t * V..<(t + 1) * V], p, probes: ref.probe_ids, "case \(ci) position \(t)")
            }
        }
    }

    func testIncrementalDecodeThroughCache() throws {
        let (loaded, ref) = try load()
        // the long case in two pieces, then one token at a time
        let c = ref.cases[3]
        let cache = loaded.model.makeCache(capacity: 256, precision: .f32)
        let ids = c.prompt_ids
        var last = try loaded.model.forward(Array(ids[0..<50]), cache: cache, allLogits: false)
        compare(last[...], c.positions[49], probes: ref.probe_ids, "after 50")
        last = try loaded.model.forward(Array(ids[50..<110]), cache: cache, allLogits: false)
        compare(last[...], c.positions[109], probes: ref.probe_ids, "after 110")
        for t in 110..<ids.count {
            last = try loaded.model.forward([ids[t]], cache: cache, allLogits: false)
            compare(last[...], c.positions[t], probes: ref.probe_ids, "token \(t)")
        }
        XCTAssertEqual(cache.count, ids.count)
    }

    func testCacheFullAndBadTokenAreErrors() throws {
        let (loaded, _) = try load()
        let cache = loaded.model.makeCache(capacity: 4, precision: .f32)
        XCTAssertThrowsError(try loaded.model.forward([1, 2, 3, 4, 5], cache: cache, allLogits: false))
        XCTAssertThrowsError(try loaded.model.forward([Int32(loaded.model.vocabularySize)], cache: cache, allLogits: false))
        XCTAssertEqual(cache.count, 0)
    }
}
