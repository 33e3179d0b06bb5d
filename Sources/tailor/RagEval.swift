// RagEval.swift: `tailor rag eval --db FILE --qa QA.jsonl`: recall@k, MRR and nDCG@k for each
// search mode, and the HNSW graph's recall@k against exact search on the same questions.
import ArgumentParser
import Foundation
import Retrieval

struct RagEval: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "Evaluate retrieval on a QA set.")

    @OptionGroup var store: RagStoreOptions
    @OptionGroup var embedder: EmbedderOptions
    @Option(help: "JSONL lines {\"question\", \"relevant\": [source or chunk id]}.") var qa: String
    @Option(name: .shortAndLong, help: "Cut-off k.") var k: Int = 5
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        try reportingErrors {
            let items = try RetrievalEval.readQA(path: qa)
            let s = try Searcher(store: try store.open(mustExist: true), embedder: try embedder.load())
            let scores = try SearchMode.allCases.map { try RetrievalEval.evaluate(s, qa: items, mode: $0, k: k) }
            let hnsw = try s.hnswRecall(queries: items.map(\.question), k: 10)
            if json {
                var o: [String: Any] = ["k": k, "questions": items.count, "chunks": s.chunks.count,
                                        "modes": scores.map { ["mode": $0.mode, "recall": $0.recall, "mrr": $0.mrr, "ndcg": $0.ndcg] }]
                if let h = hnsw { o["hnsw_recall_at_10"] = h }
                print(try jsonLine(o))
                return
            }
            print("\(items.count) questions, \(s.chunks.count) chunks, k = \(k)")
            print("| mode | recall@\(k) | MRR | nDCG@\(k) |")
            print("| --- | --- | --- | --- |")
            for x in scores { print(String(format: "| %@ | %.3f | %.3f | %.3f |", x.mode, x.recall, x.mrr, x.ndcg)) }
            if let h = hnsw { print(String(format: "HNSW recall@10 against exact search: %.3f", h)) }
        }
    }
}
