// IndexTests.swift: flat search, HNSW (recall against brute force, exact scores on hits,
// determinism, delete, persistence), BM25 against rank_bm25 and by hand, reciprocal rank fusion and MMR.
import Foundation
import Retrieval
import XCTest

/// Seeded vectors with the structure of real embeddings: a Gaussian mixture in 16 latent
/// dimensions projected to `dim` and normalized.
func structuredVectors(count: Int, dim: Int, seed: UInt64) -> [[Float]] {
    var s = seed
    func uniform() -> Double {
        s = s &* 6364136223846793005 &+ 1442695040888963407
        return (Double(s >> 11) + 0.5) / Double(1 << 53)
    }
    func gauss() -> Float { Float((-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform())) }
    let latent = 16, clusters = 20
    let proj = (0..<(latent * dim)).map { _ in gauss() }
    let centers = (0..<clusters).map { _ in (0..<latent).map { _ in 2 * gauss() } }
    return (0..<count).map { _ in
        let c = centers[Int(uniform() * Double(clusters)) % clusters]
        let z = c.map { $0 + gauss() }
        var v = (0..<dim).map { j in (0..<latent).reduce(Float(0)) { $0 + z[$1] * proj[$1 * dim + j] } }
        Vectors.normalize(&v)
        return v
    }
}

final class IndexTests: XCTestCase {
    let data = structuredVectors(count: 1200, dim: 64, seed: 7)

    func testFlatSearchIsExact() {
        let flat = FlatIndex(dimension: 64)
        for (i, v) in data.enumerated() { flat.add(id: Int64(i), vector: v) }
        let q = data[5]
        let hits = flat.search(q, k: 5)
        let brute = data.indices.map { (Int64($0), Vectors.dot(q, data[$0])) }.sorted { $0.1 > $1.1 }.prefix(5)
        XCTAssertEqual(hits.map(\.id), brute.map(\.0))
        XCTAssertEqual(hits[0].id, 5)
        XCTAssertEqual(hits[0].score, 1, accuracy: 1e-5)
        let odd = flat.search(q, k: 3, filter: { $0 % 2 == 1 })
        XCTAssertTrue(odd.allSatisfy { $0.id % 2 == 1 })
    }

    func testHNSWRecallAgainstBruteForce() {
        let h = HNSWIndex(dimension: 64, parameters: HNSWParameters(M: 12, efConstruction: 80, efSearch: 48, seed: 3))
        let flat = FlatIndex(dimension: 64)
        for (i, v) in data.enumerated() { h.insert(id: Int64(i), vector: v); flat.add(id: Int64(i), vector: v) }
        let queries = structuredVectors(count: 60, dim: 64, seed: 99)
        var found = 0
        for q in queries {
            let truth = Set(flat.search(q, k: 10).map(\.id))
            found += h.search(q, k: 10).filter { truth.contains($0.id) }.count
        }
        let recall = Double(found) / Double(queries.count * 10)
        print("HNSW recall@10 (n=1200, M=12, efC=80, ef=48): \(recall)")
        XCTAssertGreaterThanOrEqual(recall, 0.95)
    }

    /// The graph is walked on f16 copies of the vectors; returned hits must carry exact f32 dot
    /// products (Vectors.dot, the independent brute force), best first, filtered or not.
    func testHNSWHitsAreRerankedByExactScores() {
        let h = HNSWIndex(dimension: 64, parameters: HNSWParameters(M: 12, efConstruction: 80, efSearch: 48, seed: 3))
        for (i, v) in data.enumerated() { h.insert(id: Int64(i), vector: v) }
        for q in structuredVectors(count: 20, dim: 64, seed: 5) {
            for filter in [nil, { (id: Int64) in id % 3 == 0 }] as [((Int64) -> Bool)?] {
                let hits = h.search(q, k: 8, filter: filter)
                XCTAssertEqual(hits.count, 8)
                for hit in hits { XCTAssertEqual(hit.score, Vectors.dot(q, data[Int(hit.id)]), accuracy: 1e-6, "id \(hit.id)") }
                XCTAssertEqual(hits.map(\.score), hits.map(\.score).sorted(by: >), "best first")
                if filter != nil { XCTAssertTrue(hits.allSatisfy { $0.id % 3 == 0 }) }
            }
        }
    }

    func testHNSWIsDeterministicAndPersists() throws {
        func build() -> HNSWIndex {
            let h = HNSWIndex(dimension: 64, parameters: HNSWParameters(M: 8, efConstruction: 40, seed: 11))
            for (i, v) in data.prefix(300).enumerated() { h.insert(id: Int64(i) * 3, vector: v) }
            return h
        }
        let a = build(), b = build()
        XCTAssertEqual(a.serialized(), b.serialized())
        let c = try HNSWIndex(serialized: a.serialized(), origin: "test")
        XCTAssertEqual(c.serialized(), a.serialized())
        XCTAssertEqual(c.search(data[10], k: 5), a.search(data[10], k: 5))
        var bytes = a.serialized()
        bytes.removeLast(5)
        XCTAssertThrowsError(try HNSWIndex(serialized: bytes, origin: "db.sqlite")) { XCTAssertTrue("\($0)".contains("truncated")) }
    }

    /// Unfiltered searches run the C level-0 loop, filtered ones the Swift loop: an accept-all
    /// filter must give the same hits in the same order, with and without deleted nodes.
    func testHNSWCLoopEqualsSwiftLoop() {
        let h = HNSWIndex(dimension: 64, parameters: HNSWParameters(M: 8, efConstruction: 60, seed: 5))
        for (i, v) in data.prefix(800).enumerated() { h.insert(id: Int64(i), vector: v) }
        let queries = structuredVectors(count: 40, dim: 64, seed: 123)
        for round in 0..<2 {
            if round == 1 { for i in stride(from: 0, to: 800, by: 7) { h.delete(id: Int64(i)) } }
            for q in queries {
                for ef in [10, 50] {
                    XCTAssertEqual(h.search(q, k: 10, ef: ef), h.search(q, k: 10, ef: ef, filter: { _ in true }), "round \(round) ef \(ef)")
                }
            }
        }
    }

    func testHNSWDelete() {
        let h = HNSWIndex(dimension: 64, parameters: HNSWParameters(M: 8, efConstruction: 40))
        for (i, v) in data.prefix(200).enumerated() { h.insert(id: Int64(i), vector: v) }
        XCTAssertEqual(h.search(data[17], k: 1).first?.id, 17)
        XCTAssertTrue(h.delete(id: 17))
        XCTAssertFalse(h.delete(id: 17))
        XCTAssertFalse(h.search(data[17], k: 10).contains { $0.id == 17 })
        XCTAssertEqual(h.count, 199)
        h.insert(id: 17, vector: data[17])
        XCTAssertEqual(h.search(data[17], k: 1).first?.id, 17)
    }

    func testBM25MatchesRankBM25() throws {
        struct Fx: Decodable { var k1: Double; var b: Double; var epsilon: Double; var corpus: [[String]]; var queries: [[String]]; var scores: [[Double]] }
        let fx = try JSONDecoder().decode(Fx.self, from: Data(contentsOf: TestPaths.fixtures.appendingPathComponent("bm25.json")))
        let bm = BM25Index(k1: fx.k1, b: fx.b, idf: .okapi(epsilon: fx.epsilon))
        for (i, d) in fx.corpus.enumerated() { bm.add(id: Int64(i), tokens: d) }
        for (q, want) in zip(fx.queries, fx.scores) {
            let got = bm.scores(tokens: q)
            for (g, w) in zip(got, want) { XCTAssertEqual(g, w, accuracy: 1e-9, "query \(q)") }
        }
    }

    func testBM25LuceneByHand() {
        // N = 3, "apple" in docs 0 and 1: idf = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)) = ln(1.6).
        // Doc 0 has 2 tokens, avgdl = (2 + 4 + 3) / 3 = 3; tf = 1, k1 = 1.2, b = 0.75:
        // score = ln 1.6 * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 2 / 3)) = ln 1.6 * 2.2 / 1.9.
        let bm = BM25Index(k1: 1.2, b: 0.75)
        bm.add(id: 10, tokens: ["apple", "pie"])
        bm.add(id: 11, tokens: ["apple", "banana", "cherry", "date"])
        bm.add(id: 12, tokens: ["kiwi", "lime", "mango"])
        let s = bm.scores(tokens: ["apple"])
        XCTAssertEqual(s[0], log(1.6) * 2.2 / 1.9, accuracy: 1e-12)
        XCTAssertEqual(s[2], 0)
        XCTAssertEqual(bm.search("Apple, please!", k: 5).map(\.id), [10, 11])
    }

    func testReciprocalRankFusionByHand() {
        let a = [SearchHit(id: 1, score: 9), SearchHit(id: 2, score: 8), SearchHit(id: 3, score: 7)]
        let b = [SearchHit(id: 3, score: 5), SearchHit(id: 4, score: 4)]
        let f = Fusion.reciprocalRank([a, b], k: 60, limit: 4)
        // id 3: 1/63 + 1/61 beats id 1: 1/61; then 1 (1/61), 4 (1/62) vs 2 (1/62): tie -> smaller id.
        XCTAssertEqual(f.map(\.id), [3, 1, 2, 4])
        XCTAssertEqual(Double(f[0].score), 1.0 / 63 + 1.0 / 61, accuracy: 1e-6)
    }

    func testMMRPrefersDiversity() {
        let q: [Float] = [1, 0, 0]
        var dup: [Float] = [0.95, 0.3122, 0]; Vectors.normalize(&dup)
        var other: [Float] = [0.9, 0, 0.4359]; Vectors.normalize(&other)
        let c = [(SearchHit(id: 1, score: 0), dup), (SearchHit(id: 2, score: 0), dup), (SearchHit(id: 3, score: 0), other)]
        XCTAssertEqual(Fusion.maximalMarginalRelevance(query: q, candidates: c, lambda: 0.5, limit: 2).map(\.id), [1, 3])
        XCTAssertEqual(Fusion.maximalMarginalRelevance(query: q, candidates: c, lambda: 1, limit: 2).map(\.id), [1, 2])
    }
}
