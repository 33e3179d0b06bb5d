// ShotSelectionTests.swift: shot selection (first-k, seeded random, similarity) and the TF-IDF
// embedder against a hand computation.
import Evaluation
import Foundation
import Models
import XCTest

final class ShotSelectionTests: XCTestCase {
    let pool = (0..<40).map { TaskExample(input: "item \($0)", target: "t\($0 % 4)") }

    func testFirstKSkipsTheQuery() throws {
        let p = ShotPool(examples: pool, selection: .first)
        XCTAssertEqual(try p.shots(3, for: TaskExample(input: "q", target: "x")).map(\.input), ["item 0", "item 1", "item 2"])
        XCTAssertEqual(try p.shots(3, for: pool[1]).map(\.input), ["item 0", "item 2", "item 3"])
        XCTAssertEqual(try p.shots(0, for: pool[1]), [])
    }

    func testRandomIsDeterministicUnderASeed() throws {
        let q = TaskExample(input: "query text", target: "x")
        let a = try ShotPool(examples: pool, selection: .random, seed: 7).shots(5, for: q)
        let b = try ShotPool(examples: pool, selection: .random, seed: 7).shots(5, for: q)
        let c = try ShotPool(examples: pool, selection: .random, seed: 8).shots(5, for: q)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
        XCTAssertEqual(Set(a.map(\.input)).count, 5, "no repeats")
        // independent of what ran before: a fresh pool gives the same shots after other queries
        let p = ShotPool(examples: pool, selection: .random, seed: 7)
        _ = try p.shots(5, for: TaskExample(input: "other", target: "y"))
        XCTAssertEqual(try p.shots(5, for: q), a)
        // different queries get different shots
        XCTAssertNotEqual(try p.shots(5, for: TaskExample(input: "another query", target: "y")), a)
    }

    func testSimilarPicksNearestLast() throws {
        let fruits = ["raspberry", "apple", "blackberry", "lemon", "peach", "orange"].map { TaskExample(input: $0, target: "x") }
        let p = ShotPool(examples: fruits, selection: .similar)
        let shots = try p.shots(2, for: TaskExample(input: "blueberry", target: "x")).map(\.input)
        XCTAssertEqual(Set(shots), ["raspberry", "blackberry"])
        XCTAssertEqual(try p.shots(1, for: TaskExample(input: "lemons", target: "x")).map(\.input), ["lemon"])
    }

    func testPluggableEmbedder() throws {
        struct Length: Embedder {
            var identity: String { "length" }
            var dimension: Int { 2 }
            var normalizes: Bool { false }
            func embed(_ t: [String]) -> [[Float]] { t.map { [Float($0.count), 1] } }
        }
        let ex = ["a", "bbbbbbbbbb", "ccc"].map { TaskExample(input: $0, target: "x") }
        let p = ShotPool(examples: ex, selection: .similar, embedder: Length())
        XCTAssertEqual(try p.shots(1, for: TaskExample(input: "dddddddddd", target: "x")).map(\.input), ["bbbbbbbbbb"])
    }

    func testTFIDFAgainstHandComputation() {
        let e = LexicalEmbedder(corpus: ["red apple", "green apple"])
        // features of "red apple": w:red, w:apple, c:^re c:red c:ed$, c:^ap c:app c:ppl c:ple c:le$
        let v = e.embed(["red apple"])[0]
        func idf(_ df: Float) -> Float { logf(3 / (1 + df)) + 1 }
        var want: [String: Float] = ["w:red": idf(1), "w:apple": idf(2), "c:^re": idf(1), "c:red": idf(1), "c:ed$": idf(1),
                                     "c:^ap": idf(2), "c:app": idf(2), "c:ppl": idf(2), "c:ple": idf(2), "c:le$": idf(2)]
        let norm = sqrtf(want.values.reduce(0) { $0 + $1 * $1 })
        for k in want.keys { want[k]! /= norm }
        for (f, j) in e.vocabulary { XCTAssertEqual(v[j], want[f] ?? 0, accuracy: 1e-6, f) }
        XCTAssertEqual(LexicalEmbedder.cosine(v, v), 1, accuracy: 1e-6)
        XCTAssertEqual(LexicalEmbedder.cosine(v, [Float](repeating: 0, count: v.count)), 0)
    }
}
