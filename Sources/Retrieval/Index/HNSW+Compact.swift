// HNSW+Compact.swift: compaction after deletes. Deleted nodes stay in the graph as tombstones
// (they route searches but are never returned), so a store with many deletes carries dead
// vectors and links and its searches spend distance computations on them. Compaction rebuilds
// the graph from the live nodes, inserted in their original order with the same parameters and
// seed: the result is exactly the graph a fresh build of the live vectors gives.
import Foundation

extension HNSWIndex {
    /// Fraction of deleted nodes above which the indexer compacts automatically.
    public static let compactionThreshold = 0.2

    /// Deleted nodes over all nodes.
    public var deletedFraction: Double { nodeCount == 0 ? 0 : Double(deletedCount) / Double(nodeCount) }

    /// Whether more than `compactionThreshold` of the nodes are deleted.
    public var needsCompaction: Bool { deletedFraction > Self.compactionThreshold }

    /// A new graph of the live nodes only (see the file header).
    public func compacted() -> HNSWIndex {
        let g = HNSWIndex(dimension: dimension, parameters: parameters)
        for n in 0..<ids.count where !deleted[n] {
            g.insert(id: ids[n], vector: Array(vectors[(n * dimension)..<((n + 1) * dimension)]))
        }
        return g
    }
}
