// RagSearch.swift: `tailor rag search "query" --db FILE`: ranked chunks with source, offsets,
// heading path and a snippet (or one JSON object with --json).
import ArgumentParser
import Foundation
import Retrieval

struct RagSearch: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "search", abstract: "Search an index.")

    @Argument(help: "The query.") var query: String
    @OptionGroup var store: RagStoreOptions
    @OptionGroup var q: RagQueryOptions
    @OptionGroup var embedder: EmbedderOptions
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try reportingErrors {
            let s = try Searcher(store: try store.open(mustExist: true), embedder: try embedder.load())
            let res = try s.search(query, k: q.k, mode: q.searchMode, filter: q.filter, exact: q.exact, mmr: q.mmr, ef: q.ef)
            if json {
                print(try jsonLine(["query": query, "mode": q.mode, "results": res.map { r in
                    ["rank": r.rank, "score": Double(r.score), "chunk_id": r.chunk.id, "source": r.chunk.source,
                     "start": r.chunk.start, "end": r.chunk.end, "headings": r.chunk.headingPath, "text": r.chunk.text] as [String: Any]
                }]))
                return
            }
            if res.isEmpty { print("no results"); return }
            for r in res {
                let h = r.chunk.headingPath.isEmpty ? "" : " › " + r.chunk.headingPath.joined(separator: " › ")
                print(String(format: "%d. %.4f  %@ [%d..%d]%@", r.rank, r.score, displayPath(r.chunk.source), r.chunk.start, r.chunk.end, h))
                print("   " + snippet(r.chunk.text))
            }
        }
    }
}
