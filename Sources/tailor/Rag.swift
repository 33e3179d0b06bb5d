// Rag.swift: `tailor rag`: retrieval-augmented generation over a SQLite index: index, search,
// ask, eval. Shared options and output helpers live here; one file per subcommand.
import ArgumentParser
import Foundation
import Retrieval

struct Rag: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Retrieval-augmented generation: index documents, search them, answer with citations, evaluate retrieval.",
        subcommands: [RagIndex.self, RagSearch.self, RagAsk.self, RagEval.self, RagCompact.self])
}

/// The index database and how to query it.
struct RagStoreOptions: ParsableArguments {
    @Option(help: "The index database (SQLite).") var db: String

    func open(mustExist: Bool) throws -> RAGStore {
        if mustExist && !FileManager.default.fileExists(atPath: db) {
            throw ValidationError("\(db): no such index (build it with `tailor rag index PATH... --db \(db)`)")
        }
        return try RAGStore(path: db)
    }
}

/// Retrieval settings shared by search, ask and eval.
struct RagQueryOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Results to return.") var k: Int = 5
    @Option(help: "vector, bm25 or hybrid.") var mode: String = "hybrid"
    @Option(help: "Only chunks whose source path contains this text.") var source: String?
    @Option(help: "Only chunks of documents indexed with this tag.") var tag: String?
    @Option(help: "Re-rank by maximal marginal relevance with this lambda (0..1; 1 = pure relevance).") var mmr: Float?
    @Flag(help: "Exact (flat) vector search instead of the HNSW graph.") var exact = false
    @Option(help: "HNSW search list size (default: the index's efSearch).") var ef: Int?

    var searchMode: SearchMode { SearchMode(rawValue: mode)! }
    var filter: SearchFilter { SearchFilter(source: source, tag: tag) }

    func validate() throws {
        guard SearchMode(rawValue: mode) != nil else { throw ValidationError("--mode must be vector, bm25 or hybrid") }
        guard k >= 1, k <= 1000 else { throw ValidationError("-k must be between 1 and 1000") }
        if let m = mmr, !(0...1).contains(m) { throw ValidationError("--mmr must be between 0 and 1") }
        if let e = ef, e < 1 { throw ValidationError("--ef must be >= 1") }
    }
}

/// A path shown relative to the working directory when it is under it.
func displayPath(_ p: String) -> String {
    let cwd = FileManager.default.currentDirectoryPath + "/"
    return p.hasPrefix(cwd) ? String(p.dropFirst(cwd.count)) : p
}

/// One line of a chunk's text, shortened for display.
func snippet(_ text: String, _ n: Int = 160) -> String {
    let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ")
    return flat.count > n ? String(flat.prefix(n)) + "…" : flat
}

func jsonLine(_ obj: Any) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
}
