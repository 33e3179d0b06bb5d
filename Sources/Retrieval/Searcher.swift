// Searcher.swift: queries over a store: vector (the persisted HNSW graph, or exact flat search),
// BM25 (the index persisted in the store; built from the chunk texts only for stores made before
// it was persisted), or hybrid (reciprocal rank fusion of the
// two, each cut at max(4k, 20)); metadata filters on source and tag; optional MMR re-ranking.
import Foundation
import Models

/// How to rank chunks.
public enum SearchMode: String, Sendable, CaseIterable, Codable {
    case vector, bm25, hybrid
}

/// Restricts results by metadata.
public struct SearchFilter: Sendable, Equatable {
    /// Keep chunks whose source path contains this text.
    public var source: String?
    /// Keep chunks of documents with this tag.
    public var tag: String?
    public init(source: String? = nil, tag: String? = nil) { self.source = source; self.tag = tag }
    public var isEmpty: Bool { source == nil && tag == nil }
}

/// A ranked chunk.
public struct SearchResult: Sendable {
    public var chunk: StoredChunk
    public var score: Float
    public var rank: Int
}

/// Answers queries over an opened store.
public final class Searcher {
    public let store: RAGStore
    public let embedder: Embedder
    public let chunks: [StoredChunk]
    let byID: [Int64: Int]
    let hnsw: HNSWIndex?
    let flat: FlatIndex
    let bm25: BM25Index

    /// Loads chunks and the graph; refuses a store made with another embedding model.
    public init(store: RAGStore, embedder: Embedder) throws {
        self.store = store
        self.embedder = embedder
        let meta = try store.meta()
        guard let have = meta["embedder"] else { throw StoreError("\(store.path): empty index (run `tailor rag index` first)") }
        guard have == embedder.identity else {
            throw StoreError("\(store.path) holds embeddings of '\(have)', not '\(embedder.identity)'; search it with the model it was built with")
        }
        chunks = try store.chunks()
        var m: [Int64: Int] = [:]
        flat = FlatIndex(dimension: embedder.dimension)
        for (i, c) in chunks.enumerated() {
            m[c.id] = i
            flat.add(id: c.id, vector: c.embedding)
        }
        if let k = try store.keywordIndex() {
            bm25 = try BM25Index(serialized: k, origin: store.path)
        } else {
            bm25 = BM25Index()
            for c in chunks { bm25.add(id: c.id, text: BM25Index.text(of: (c.headingPath, c.text))) }
        }
        byID = m
        hnsw = try store.graph().map { try HNSWIndex(serialized: $0, origin: store.path) }
    }

    /// The k best chunks for `query`. `exact` uses flat search instead of HNSW; `mmr` (λ)
    /// re-ranks a candidate pool of 4k for diversity.
    public func search(_ query: String, k: Int, mode: SearchMode, filter: SearchFilter = SearchFilter(),
                       exact: Bool = false, mmr: Float? = nil, ef: Int? = nil) throws -> [SearchResult] {
        let pool = mmr == nil ? k : max(4 * k, 20)
        let f: ((Int64) -> Bool)? = filter.isEmpty ? nil : { [byID, chunks] id in
            guard let i = byID[id] else { return false }
            let c = chunks[i]
            if let s = filter.source, !c.source.contains(s) { return false }
            if let t = filter.tag, !c.tags.contains(t) { return false }
            return true
        }
        var qv: [Float] = []
        func vector(_ n: Int) throws -> [SearchHit] {
            if qv.isEmpty { qv = try embedder.embed([query])[0] }
            if !exact, let h = hnsw { return h.search(qv, k: n, ef: ef, filter: f) }
            return flat.search(qv, k: n, filter: f)
        }
        var hits: [SearchHit]
        switch mode {
        case .vector: hits = try vector(pool)
        case .bm25: hits = bm25.search(query, k: pool, filter: f)
        case .hybrid:
            let n = max(4 * pool, 20)
            hits = Fusion.reciprocalRank([try vector(n), bm25.search(query, k: n, filter: f)], limit: pool)
        }
        if let lambda = mmr {
            if qv.isEmpty { qv = try embedder.embed([query])[0] }
            let cands = hits.compactMap { h in byID[h.id].map { (hit: h, vector: chunks[$0].embedding) } }
            hits = Fusion.maximalMarginalRelevance(query: qv, candidates: cands, lambda: lambda, limit: k)
        }
        return hits.prefix(k).enumerated().compactMap { i, h in
            byID[h.id].map { SearchResult(chunk: chunks[$0], score: h.score, rank: i + 1) }
        }
    }

    /// Recall@k of the HNSW graph against exact search, over `queries` (vector mode).
    public func hnswRecall(queries: [String], k: Int, ef: Int? = nil) throws -> Double? {
        guard let h = hnsw, !queries.isEmpty else { return nil }
        var found = 0, total = 0
        for v in try embedder.embed(queries) {
            let truth = Set(flat.search(v, k: k).map(\.id))
            found += h.search(v, k: k, ef: ef).filter { truth.contains($0.id) }.count
            total += truth.count
        }
        return total == 0 ? nil : Double(found) / Double(total)
    }
}
