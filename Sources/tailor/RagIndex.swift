// RagIndex.swift: `tailor rag index PATH... --db FILE`: add new and changed files to the index,
// drop deleted ones (one transaction), with a progress bar over the chunks embedded.
import ArgumentParser
import Foundation
import Retrieval

struct RagIndex: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "index", abstract: "Index files or folders (txt, md, html, json, jsonl, pdf) into --db.")

    @Argument(help: "Files or folders (walked recursively).") var paths: [String]
    @OptionGroup var store: RagStoreOptions
    @OptionGroup var embedder: EmbedderOptions
    @Option(help: "Chunking: tokens[:SIZE[:OVERLAP]], recursive[:SIZE[:OVERLAP]] or markdown[:SIZE] (sizes in word pieces).")
    var chunk: String = "recursive:200"
    @Option(help: "The field holding the text in .json/.jsonl records.") var field: String = "text"
    @Option(help: "Tag the documents of this run (repeatable), for --tag filters.") var tag: [String] = []
    @Option(help: "HNSW links per node.") var m: Int = 16
    @Option(help: "HNSW candidate list size while building.") var efConstruction: Int = 200
    @Option(help: "Seed of the HNSW level generator.") var seed: UInt64 = 42
    @Flag(name: .shortAndLong, help: "No progress bar.") var quiet = false
    @Flag(help: "Print the report as JSON.") var json = false

    func validate() throws {
        _ = try ChunkStrategy(parsing: chunk)
        guard m >= 2, m <= 128 else { throw ValidationError("--m must be between 2 and 128") }
        guard efConstruction >= 1 else { throw ValidationError("--ef-construction must be >= 1") }
    }

    func run() throws {
        try reportingErrors {
            let model = try embedder.load()
            var opts = IndexOptions()
            opts.chunking = try ChunkStrategy(parsing: chunk)
            opts.jsonField = field
            opts.tags = tag.sorted()
            opts.hnsw = HNSWParameters(M: m, efConstruction: efConstruction, seed: seed)
            var indexer = Indexer(store: try store.open(mustExist: false), embedder: model, options: opts,
                                  countTokens: { model.countTokens($0) })
            var bar = ProgressBar(enabled: !quiet)
            var drawn = false
            indexer.progress = { done, total in
                bar.update(done: done, total: total, label: "embed", unit: "chunks")
                drawn = true
            }
            let r = try indexer.run(paths: paths)
            if drawn { bar.finish() }
            for s in r.skipped { printError("skipped \(s)") }
            if json {
                print(try jsonLine(["added": r.added, "updated": r.updated, "unchanged": r.unchanged, "removed": r.removed, "chunks": r.chunks]))
            } else {
                print("\(store.db): \(r.added) added, \(r.updated) updated, \(r.unchanged) unchanged, \(r.removed) removed; \(r.chunks) chunks embedded")
            }
        }
    }
}
