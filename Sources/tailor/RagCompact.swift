// RagCompact.swift: `tailor rag compact --db FILE`: rebuilds the HNSW graph without its deleted
// nodes (indexing does this by itself once more than 20% of the nodes are deleted).
import ArgumentParser
import Foundation
import Retrieval

struct RagCompact: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compact", abstract: "Rebuild the HNSW graph without deleted nodes.")

    @OptionGroup var store: RagStoreOptions

    func run() throws {
        try reportingErrors {
            let s = try store.open(mustExist: true)
            guard let data = try s.graph() else { print("\(store.db): no HNSW graph (empty index)"); return }
            let g = try HNSWIndex(serialized: data, origin: store.db)
            let before = g.nodeCount, dead = before - g.count
            guard dead > 0 else { print("\(store.db): \(before) nodes, none deleted; nothing to do"); return }
            let c = g.compacted()
            try s.replaceGraph(c.serialized())
            print("\(store.db): \(before) nodes -> \(c.nodeCount) (\(dead) deleted removed)")
        }
    }
}
