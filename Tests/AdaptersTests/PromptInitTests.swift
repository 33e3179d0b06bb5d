// PromptInitTests.swift: prompt tuning's text initialization copies the text tokens' embedding
// rows, repeated to N as PEFT does; the random one is seeded.
import XCTest
@testable import Adapters
@testable import Training

final class PromptInitTests: XCTestCase {
    func testTextInitRepeatsTokenEmbeddings() throws {
        let (g, c, _) = try Fixture.tinyGraph()
        let a = try PromptTuningAdapter.apply(virtualTokens: 5, initTokens: [3, 7], to: g, random: nil)
        let D = c.dim, e = g.embedTokens.value.array, v = a.embeddings.value.array
        for (i, t) in [3, 7, 3, 7, 3].enumerated() { XCTAssertEqual(Array(v[(i * D)..<((i + 1) * D)]), Array(e[(t * D)..<((t + 1) * D)])) }
        let (g2, _, _) = try Fixture.tinyGraph(), (g3, _, _) = try Fixture.tinyGraph()
        let r1 = try PromptTuningAdapter.apply(virtualTokens: 4, initTokens: nil, to: g2, random: RandomState(seed: 1))
        let r2 = try PromptTuningAdapter.apply(virtualTokens: 4, initTokens: nil, to: g3, random: RandomState(seed: 1))
        XCTAssertEqual(r1.embeddings.value.array, r2.embeddings.value.array)
        XCTAssertThrowsError(try PromptTuningAdapter.apply(virtualTokens: 2, initTokens: [100_000], to: g, random: nil))
    }
}
