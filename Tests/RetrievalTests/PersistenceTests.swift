// PersistenceTests.swift: what the store keeps so opening it does no rebuilding: the BM25 index
// (reopened scores identical to a fresh build from the texts, and still served after the chunk
// texts are blanked in the database, i.e. nothing is re-tokenized), kept right through
// incremental updates and deletions; HNSW compaction after deletes (equal to a fresh build of
// the live vectors, recall against exact search, automatic above 20% deleted); SHA-256 content
// hashes (checked against sha256sum's digests).
@testable import Retrieval
import Foundation
import Models
import XCTest

final class PersistenceTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("rag-persist-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("docs"), withIntermediateDirectories: true)
        let topics = ["apples grow on trees in orchards and keep well when cool",
                      "bananas are yellow and grow in bunches on large herbs",
                      "cherries are small red stone fruit picked in early summer",
                      "lemons are sour citrus fruit rich in vitamin C",
                      "melons are pepos with a hard rind and sweet flesh",
                      "strawberries are aggregate accessory fruit with seeds outside",
                      "walnuts are tree nuts enclosed in a green husk",
                      "peas are legumes whose pods split along two seams",
                      "sunflower seeds are achenes produced in a large head",
                      "maple fruit are samaras that spin as they fall"]
        for (i, t) in topics.enumerated() { try write("docs/d\(i).txt", t + ". " + t.uppercased() + " again.") }
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func write(_ p: String, _ s: String) throws { try Data(s.utf8).write(to: dir.appendingPathComponent(p)) }

    var dbPath: String { dir.appendingPathComponent("i.sqlite").path }

    func index() throws -> IndexReport {
        var o = IndexOptions()
        o.chunking = .recursive(size: 12, overlap: 0)
        o.hnsw = HNSWParameters(M: 4, efConstruction: 20)
        return try Indexer(store: try RAGStore(path: dbPath), embedder: HashEmbedder(), options: o,
                           countTokens: { $0.split(separator: " ").count }).run(paths: [dir.appendingPathComponent("docs").path])
    }

    /// BM25 scores of every chunk, rebuilt here from the stored texts.
    func freshScores(_ store: RAGStore, _ query: String) throws -> [Int64: Double] {
        let bm = BM25Index()
        for c in try store.chunks() { bm.add(id: c.id, text: BM25Index.text(of: (c.headingPath, c.text))) }
        return Dictionary(uniqueKeysWithValues: zip(bm.ids, bm.scores(tokens: BM25Index.tokenize(query))))
    }

    func persistedScores(_ store: RAGStore, _ query: String) throws -> [Int64: Double] {
        let bm = try BM25Index(serialized: try XCTUnwrap(try store.keywordIndex()), origin: "t")
        return Dictionary(uniqueKeysWithValues: zip(bm.ids, bm.scores(tokens: BM25Index.tokenize(query))))
    }

    let queries = ["yellow bananas", "stone fruit summer", "nuts husk", "fruit", "seeds outside again"]

    func testBM25IsPersistedAndKeptUpToDate() throws {
        _ = try index()
        var store = try RAGStore(path: dbPath)
        for q in queries { XCTAssertEqual(try persistedScores(store, q), try freshScores(store, q), q) }
        // update two files, delete three (30% of the documents), add one
        try write("docs/d1.txt", "plantains are cooked bananas")
        try write("docs/d4.txt", "watermelon is a pepo")
        for i in [0, 6, 8] { try FileManager.default.removeItem(at: dir.appendingPathComponent("docs/d\(i).txt")) }
        try write("docs/new.txt", "figs are multiple fruit, syconia")
        let r = try index()
        XCTAssertEqual([r.added, r.updated, r.removed], [1, 2, 3])
        store = try RAGStore(path: dbPath)
        for q in queries + ["cooked plantains", "figs syconia"] {
            XCTAssertEqual(try persistedScores(store, q), try freshScores(store, q), q)
        }
        // The searcher reads the persisted index: blank every chunk text in the database and the
        // BM25 scores stay the same (a rebuild from the texts would find nothing).
        let before = try Searcher(store: store, embedder: HashEmbedder())
        let want = try queries.map { try before.search($0, k: 5, mode: .bm25).map { ($0.chunk.id, $0.score) } }
        try store.execute("UPDATE chunks SET text = '', heading = ''")
        let after = try Searcher(store: RAGStore(path: dbPath), embedder: HashEmbedder())
        var nonEmpty = 0
        for (q, w) in zip(queries, want) {
            let got = try after.search(q, k: 5, mode: .bm25).map { ($0.chunk.id, $0.score) }
            XCTAssertEqual(got.map(\.0), w.map(\.0), q)
            XCTAssertEqual(got.map(\.1), w.map(\.1), q)
            if !got.isEmpty { nonEmpty += 1 }
        }
        XCTAssertGreaterThanOrEqual(nonEmpty, 4)
        // the graph was compacted automatically (30% deleted > 20%): only live chunks remain
        let g = try HNSWIndex(serialized: try XCTUnwrap(try store.graph()), origin: "t")
        XCTAssertEqual(g.nodeCount, try store.chunks().count)
        XCTAssertEqual(g.count, g.nodeCount)
    }

    func testBM25SerializationRoundTripAndErrors() throws {
        let bm = BM25Index(k1: 1.2, b: 0.6, idf: .okapi(epsilon: 0.25))
        bm.add(id: 10, text: "red apples and green apples")
        bm.add(id: 20, text: "yellow bananas")
        bm.add(id: 30, text: "red cherries, naïve café")
        let c = try BM25Index(serialized: bm.serialized(), origin: "t")
        XCTAssertEqual(c.serialized(), bm.serialized())
        XCTAssertEqual(c.scores(tokens: ["red", "café"]), bm.scores(tokens: ["red", "café"]))
        c.remove(ids: [20])
        let d = BM25Index(k1: 1.2, b: 0.6, idf: .okapi(epsilon: 0.25))
        d.add(id: 10, text: "red apples and green apples")
        d.add(id: 30, text: "red cherries, naïve café")
        XCTAssertEqual(c.serialized(), d.serialized(), "removal equals never having added")
        var bytes = bm.serialized()
        bytes.removeLast(3)
        XCTAssertThrowsError(try BM25Index(serialized: bytes, origin: "db.sqlite")) { XCTAssertTrue("\($0)".contains("db.sqlite: BM25 index is truncated"), "\($0)") }
        XCTAssertThrowsError(try BM25Index(serialized: Data("nonsense".utf8), origin: "x")) { XCTAssertTrue("\($0)".contains("bad header"), "\($0)") }
    }

    func testCompactionEqualsFreshBuildAndKeepsRecall() {
        let data = structuredVectors(count: 1500, dim: 64, seed: 5)
        let p = HNSWParameters(M: 12, efConstruction: 80, efSearch: 48, seed: 9)
        let h = HNSWIndex(dimension: 64, parameters: p)
        for (i, v) in data.enumerated() { h.insert(id: Int64(i), vector: v) }
        let gone = Set(data.indices.filter { $0 % 5 < 2 }.map(Int64.init))     // 40%
        for id in gone { h.delete(id: id) }
        XCTAssertTrue(h.needsCompaction)
        let c = h.compacted()
        XCTAssertEqual(c.nodeCount, 900)
        XCTAssertEqual(c.count, 900)
        XCTAssertFalse(c.needsCompaction)
        let fresh = HNSWIndex(dimension: 64, parameters: p)
        let flat = FlatIndex(dimension: 64)
        for (i, v) in data.enumerated() where !gone.contains(Int64(i)) { fresh.insert(id: Int64(i), vector: v); flat.add(id: Int64(i), vector: v) }
        XCTAssertEqual(c.serialized(), fresh.serialized(), "compaction = a fresh build of the live vectors")
        let queries = structuredVectors(count: 60, dim: 64, seed: 77)
        var found = 0, foundBefore = 0
        for q in queries {
            let truth = Set(flat.search(q, k: 10).map(\.id))
            found += c.search(q, k: 10).filter { truth.contains($0.id) }.count
            foundBefore += h.search(q, k: 10).filter { truth.contains($0.id) }.count
            XCTAssertTrue(c.search(q, k: 10).allSatisfy { !gone.contains($0.id) })
        }
        let recall = Double(found) / 600, before = Double(foundBefore) / 600
        print("HNSW recall@10 after deleting 40%: \(before) with tombstones, \(recall) compacted")
        XCTAssertGreaterThanOrEqual(recall, 0.95)
    }

    func testContentHashIsSHA256() throws {
        // digests from coreutils' sha256sum
        XCTAssertEqual(Indexer.contentHash(Data("abc".utf8)), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        try write("docs/d1.txt", "Bananas are yellow and grow in bunches.")
        _ = try index()
        let doc = try XCTUnwrap(try RAGStore(path: dbPath).documents().first { $0.path.hasSuffix("/d1.txt") })
        XCTAssertEqual(doc.hash, "sha256:1767721c7916cfac79a4554b3f73dfb821fb3528a1f433046a33023a843139bd")
    }
}
