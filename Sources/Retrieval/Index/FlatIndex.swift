// FlatIndex.swift: exact nearest-neighbour search by inner product over all vectors (SIMD dot
// products in CKernels), the reference for HNSW recall. Vectors are expected unit-length, so the
// score is cosine similarity.
import CKernels

/// A hit: the caller's id and its similarity (higher is closer).
public struct SearchHit: Sendable, Equatable {
    public var id: Int64
    public var score: Float
    public init(id: Int64, score: Float) { self.id = id; self.score = score }
}

/// Brute-force inner-product search.
public final class FlatIndex {
    public let dimension: Int
    public private(set) var ids: [Int64] = []
    var vectors: [Float] = []

    public init(dimension: Int) { self.dimension = dimension }

    public var count: Int { ids.count }

    /// Adds one vector (length `dimension`).
    public func add(id: Int64, vector: [Float]) {
        precondition(vector.count == dimension, "FlatIndex: vector of \(vector.count) dims, index has \(dimension)")
        ids.append(id)
        vectors.append(contentsOf: vector)
    }

    /// The k best ids by inner product with `query`, best first, among those passing `filter`.
    public func search(_ query: [Float], k: Int, filter: ((Int64) -> Bool)? = nil) -> [SearchHit] {
        precondition(query.count == dimension, "FlatIndex: query of \(query.count) dims, index has \(dimension)")
        guard k > 0, !ids.isEmpty else { return [] }
        var scores = [Float](repeating: 0, count: ids.count)
        vectors.withUnsafeBufferPointer { v in
            scores.withUnsafeMutableBufferPointer { s in
                tk_dot_rows_f32(s.baseAddress!, query, v.baseAddress!, Int64(ids.count), Int64(dimension))
            }
        }
        var hits: [SearchHit] = []
        for (i, id) in ids.enumerated() where filter?(id) ?? true { hits.append(SearchHit(id: id, score: scores[i])) }
        return TopK.select(hits, k: k)
    }
}

enum TopK {
    /// The k highest-scoring hits, best first; ties by smaller id (deterministic).
    static func select(_ hits: [SearchHit], k: Int) -> [SearchHit] {
        let sorted = hits.sorted { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
        return Array(sorted.prefix(k))
    }
}
