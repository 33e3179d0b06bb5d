// StoreTests.swift: the SQLite store and indexer: incremental re-index by content hash, deleted
// files removed, a persisted graph equal to a fresh build, refusal of another embedding model,
// and an interrupted update leaving the previous state intact.
import Foundation
import Models
import Retrieval
import XCTest

/// A deterministic bag-of-words embedder (words hashed into 64 buckets, normalized).
final class HashEmbedder: Embedder {
    let identity: String
    let dimension = 64
    let normalizes = true
    init(identity: String = "hash-test") { self.identity = identity }
    func embed(_ texts: [String]) throws -> [[Float]] {
        texts.map { t in
            var v = [Float](repeating: 0.01, count: 64)
            for w in BM25Index.tokenize(t) { v[Int(w.unicodeScalars.reduce(UInt32(7)) { ($0 &* 31) &+ $1.value } % 64)] += 1 }
            Vectors.normalize(&v)
            return v
        }
    }
}

final class StoreTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("rag-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("docs/sub"), withIntermediateDirectories: true)
        try write("docs/a.md", "# Apples\nApples grow on trees in orchards.\n\n## Storage\nKeep apples cool.")
        try write("docs/b.txt", "Bananas are yellow and grow in bunches.")
        try write("docs/sub/c.html", "<h1>Cherries</h1><p>Cherries are small red stone fruit.</p>")
        try write("docs/skip.bin", "not indexed")
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func write(_ p: String, _ s: String) throws { try Data(s.utf8).write(to: dir.appendingPathComponent(p)) }

    func indexer(_ e: Embedder = HashEmbedder()) throws -> Indexer {
        var o = IndexOptions()
        o.chunking = .markdown(size: 50)
        o.hnsw = HNSWParameters(M: 4, efConstruction: 20)
        return Indexer(store: try RAGStore(path: dir.appendingPathComponent("i.sqlite").path), embedder: e, options: o,
                       countTokens: { $0.split(separator: " ").count })
    }

    func testIncrementalReindexAndDeletion() throws {
        let docs = dir.appendingPathComponent("docs").path
        var r = try indexer().run(paths: [docs])
        XCTAssertEqual([r.added, r.updated, r.unchanged, r.removed], [3, 0, 0, 0])
        XCTAssertEqual(r.chunks, 4)   // a.md has two sections
        r = try indexer().run(paths: [docs])
        XCTAssertEqual([r.added, r.updated, r.unchanged, r.removed, r.chunks], [0, 0, 3, 0, 0])
        try write("docs/b.txt", "Bananas are yellow. Plantains are cooked.")
        try FileManager.default.removeItem(at: dir.appendingPathComponent("docs/sub/c.html"))
        r = try indexer().run(paths: [docs])
        XCTAssertEqual([r.added, r.updated, r.unchanged, r.removed, r.chunks], [0, 1, 1, 1, 1])
        let store = try RAGStore(path: dir.appendingPathComponent("i.sqlite").path)
        let chunks = try store.chunks()
        XCTAssertEqual(Set(chunks.map { URL(fileURLWithPath: $0.source).lastPathComponent }), ["a.md", "b.txt"])
        XCTAssertTrue(chunks.contains { $0.text.contains("Plantains") })
        XCTAssertEqual(chunks.first { $0.text.contains("cool") }?.headingPath, ["Apples", "Storage"])
        // The persisted graph answers like exact search, and holds exactly the live chunks.
        let s = try Searcher(store: store, embedder: HashEmbedder())
        for q in ["plantains cooked", "apples orchards", "keep cool"] {
            XCTAssertEqual(try s.search(q, k: 3, mode: .vector).map(\.chunk.id), try s.search(q, k: 3, mode: .vector, exact: true).map(\.chunk.id))
        }
        let g = try HNSWIndex(serialized: try XCTUnwrap(try store.graph()), origin: "t")
        XCTAssertEqual(g.count, chunks.count)
        XCTAssertEqual(try s.search("bananas yellow", k: 1, mode: .bm25).first?.chunk.source.hasSuffix("b.txt"), true)
        XCTAssertEqual(try s.search("fruit", k: 5, mode: .hybrid, filter: SearchFilter(source: "a.md")).allSatisfy { $0.chunk.source.hasSuffix("a.md") }, true)
    }

    func testRefusesAnotherEmbeddingModel() throws {
        _ = try indexer().run(paths: [dir.appendingPathComponent("docs").path])
        XCTAssertThrowsError(try indexer(HashEmbedder(identity: "other-model")).run(paths: [dir.appendingPathComponent("docs").path])) {
            XCTAssertTrue("\($0)".contains("holds embeddings of 'hash-test', not 'other-model'"), "\($0)")
        }
        let store = try RAGStore(path: dir.appendingPathComponent("i.sqlite").path)
        XCTAssertThrowsError(try Searcher(store: store, embedder: HashEmbedder(identity: "other-model")))
    }

    func testFailedUpdateLeavesPreviousState() throws {
        _ = try indexer().run(paths: [dir.appendingPathComponent("docs").path])
        let store = try RAGStore(path: dir.appendingPathComponent("i.sqlite").path)
        let before = try store.chunks()
        let graphBefore = try store.graph()
        var u = StoreUpdate()
        u.removedDocumentIDs = try store.documents().map(\.id)
        u.updateGraph = { _, _ in throw IngestError("simulated crash") }
        XCTAssertThrowsError(try store.apply(u))
        XCTAssertEqual(try store.chunks(), before)
        XCTAssertEqual(try store.graph(), graphBefore)
    }

    func testTagsAndBadPaths() throws {
        var ix = try indexer()
        ix.options.tags = ["fruit"]
        _ = try ix.run(paths: [dir.appendingPathComponent("docs/b.txt").path])
        let s = try Searcher(store: ix.store, embedder: HashEmbedder())
        XCTAssertEqual(try s.search("bananas", k: 5, mode: .bm25, filter: SearchFilter(tag: "fruit")).count, 1)
        XCTAssertEqual(try s.search("bananas", k: 5, mode: .bm25, filter: SearchFilter(tag: "veg")).count, 0)
        XCTAssertThrowsError(try ix.run(paths: [dir.appendingPathComponent("nope").path])) { XCTAssertTrue("\($0)".contains("no such file")) }
        XCTAssertThrowsError(try ix.run(paths: [dir.appendingPathComponent("docs/skip.bin").path])) { XCTAssertTrue("\($0)".contains("unsupported")) }
    }

    func testEvalMetricsByHand() {
        func chunk(_ src: String) -> StoredChunk {
            StoredChunk(id: 1, documentID: 1, source: src, ordinal: 0, text: "", start: 0, end: 0, headingPath: [], tags: [], embedding: [])
        }
        // Relevant a.md and b.md; retrieved x, a, a, b: recall 1, RR 1/2,
        // DCG = 1/log2(3) + 1/log2(5), IDCG = 1 + 1/log2(3).
        let (r, rr, n) = RetrievalEval.score([chunk("/d/x.md"), chunk("/d/a.md"), chunk("/d/a.md"), chunk("/d/b.md")],
                                             relevant: ["a.md", "b.md"], k: 4)
        XCTAssertEqual(r, 1)
        XCTAssertEqual(rr, 0.5)
        XCTAssertEqual(n, (1 / log2(3.0) + 1 / log2(5.0)) / (1 + 1 / log2(3.0)), accuracy: 1e-12)
        XCTAssertEqual(RetrievalEval.score([chunk("/d/x.md")], relevant: ["a.md"], k: 1).0, 0)
    }
}
