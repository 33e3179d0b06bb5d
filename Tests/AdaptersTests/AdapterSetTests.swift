// AdapterSetTests.swift: several adapters on one graph by name (two hook methods, two stacked
// linear-wrapper methods), switched per call: each alone gives PeftModel's logits for that adapter, none gives
// the base model; unknown names are refused.
import Foundation
import XCTest
@testable import Adapters
@testable import Training

final class AdapterSetTests: XCTestCase {
    func testSwitchingAdaptersByName() throws {
        let base = try Fixture.json("methods/base_logits.json")
        let tokens = (base["tokens"] as! [NSNumber]).map { Int32($0.intValue) }
        let (g, c, _) = try Fixture.tinyGraph()
        let ctx = AdapterContext(graphConfig: c, ggufOrder: true)
        let set = AdapterSet()
        for m in ["prompt", "prefix", "ia3", "lora"] {
            try set.add(AdapterRegistry.load(Fixture.adapters.appendingPathComponent("methods/\(m)").path, into: g, context: ctx), name: m)
        }
        XCTAssertThrowsError(try set.add(set["ia3"]!, name: "ia3"))
        for m in ["prompt", "prefix", "ia3", "lora"] {
            let got = try set.with([m]) { try Fixture.logits(g, tokens) }
            XCTAssertLessThan(maxAbsDiff(got, Fixture.floats(try Fixture.json("methods/\(m)_logits.json"), "adapted_logits")), 1e-3, m)
        }
        try set.activate([])
        XCTAssertLessThan(maxAbsDiff(try Fixture.logits(g, tokens), Fixture.floats(base, "base_logits")), 1e-3)
        XCTAssertThrowsError(try set.activate(["nope"]))
        // DoRA normalizes the stored weight: on a layer IA3 already wraps it is refused with a message.
        XCTAssertThrowsError(try AdapterRegistry.load(Fixture.adapters.appendingPathComponent("methods/dora").path, into: g, context: ctx)) {
            XCTAssertTrue("\($0)".contains("plain base layer"), "\($0)")
        }
    }
}
