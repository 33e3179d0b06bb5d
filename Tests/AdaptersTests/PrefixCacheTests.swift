// PrefixCacheTests.swift: prefix tuning through the fast inference model: the KV cache is
// pre-filled with the adapter's keys/values (what `tailor generate --adapter` does), the prompt
// then runs at positions P ...; the logits must equal PeftModel's for the same folder.
import Foundation
import XCTest
import Loading
import Models
@testable import Adapters
@testable import Training

final class PrefixCacheTests: XCTestCase {
    func testPrefilledCacheGivesPeftModelLogits() throws {
        let refJSON = try Fixture.json("methods/prefix_logits.json")
        let tokens = (refJSON["tokens"] as! [NSNumber]).map { Int32($0.intValue) }
        let (g, c, _) = try Fixture.tinyGraph()
        let a = try PrefixTuningAdapter.load(Fixture.adapters.appendingPathComponent("methods/prefix").path, into: g,
                                             context: AdapterContext(graphConfig: c, ggufOrder: true))
        let rows = a.cacheRows()
        let loaded = try ModelLoader.load(Fixture.tinyLlama, threads: 1)
        let model = try XCTUnwrap(loaded.model as? LlamaModel)
        model.activations = .f32
        let cache = model.makeCache(capacity: 64, precision: .f32)
        cache.prefill(keys: rows.keys, values: rows.values)
        XCTAssertEqual(cache.count, a.virtualTokens)
        let logits = try model.forward(tokens, cache: cache, allLogits: true)
        let d = maxAbsDiff(logits, Fixture.floats(refJSON, "adapted_logits"))
        print(String(format: "prefix via pre-filled KV cache: max |Tailor − PeftModel| %.2e", d))
        XCTAssertLessThan(d, 1e-3)
    }
}
