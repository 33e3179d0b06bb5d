// RetrievalEval.swift: recall@k, MRR and nDCG@k of a searcher over a QA set. QA.jsonl lines are
// {"question": "...", "relevant": ["corpus/file.md", 17, ...]}: a string matches a chunk whose
// source equals it or ends with "/" + it; an integer is a chunk id. Relevance is binary and each
// relevant item counts once (the first chunk that matches it). nDCG uses gain 1/log2(rank + 1)
// and the ideal ordering of min(|relevant|, k) hits (Järvelin & Kekäläinen 2002).
import Foundation

/// One question and what should be retrieved for it.
public struct QAItem: Sendable, Equatable {
    public var question: String
    public var relevant: [String]
    public var line: Int
}

/// Mean metrics of one search mode.
public struct RetrievalScores: Sendable, Codable, Equatable {
    public var mode: String
    public var k: Int
    public var recall: Double
    public var mrr: Double
    public var ndcg: Double
    public var questions: Int
}

public enum RetrievalEval {
    /// Reads QA.jsonl; errors name the file, line and field.
    public static func readQA(path: String) throws -> [QAItem] {
        guard let data = FileManager.default.contents(atPath: path) else { throw IngestError("\(path): cannot read") }
        var out: [QAItem] = []
        for (i, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            let at = "\(path):\(i + 1)"
            guard let o = (try? JSONSerialization.jsonObject(with: Data(t.utf8))) as? [String: Any] else { throw IngestError("\(at): not a JSON object") }
            guard let q = o["question"] as? String, !q.isEmpty else { throw IngestError("\(at): field 'question' is missing or not a string") }
            guard let rel = o["relevant"] as? [Any], !rel.isEmpty else { throw IngestError("\(at): field 'relevant' must be a non-empty array") }
            let r: [String] = try rel.map {
                if let s = $0 as? String { return s }
                if let n = $0 as? NSNumber { return "#\(n.int64Value)" }
                throw IngestError("\(at): field 'relevant' holds something other than a source string or chunk id")
            }
            out.append(QAItem(question: q, relevant: r, line: i + 1))
        }
        guard !out.isEmpty else { throw IngestError("\(path): no questions") }
        return out
    }

    static func matches(_ rel: String, _ c: StoredChunk) -> Bool {
        if rel.hasPrefix("#") { return "#\(c.id)" == rel }
        return c.source == rel || c.source.hasSuffix("/" + rel) || c.source.hasPrefix(rel + "#") || c.source.contains("/" + rel + "#")
    }

    /// (recall, reciprocal rank, nDCG) of one ranked list.
    public static func score(_ results: [StoredChunk], relevant: [String], k: Int) -> (Double, Double, Double) {
        var found = Set<String>()
        var rr = 0.0, dcg = 0.0
        for (i, c) in results.prefix(k).enumerated() {
            guard let r = relevant.first(where: { !found.contains($0) && matches($0, c) }) else { continue }
            found.insert(r)
            if rr == 0 { rr = 1 / Double(i + 1) }
            dcg += 1 / log2(Double(i + 2))
        }
        let idcg = (0..<min(relevant.count, k)).reduce(0.0) { $0 + 1 / log2(Double($1 + 2)) }
        return (Double(found.count) / Double(relevant.count), rr, idcg > 0 ? dcg / idcg : 0)
    }

    /// Mean scores of `mode` over `qa`.
    public static func evaluate(_ s: Searcher, qa: [QAItem], mode: SearchMode, k: Int) throws -> RetrievalScores {
        var r = 0.0, m = 0.0, n = 0.0
        for q in qa {
            let res = try s.search(q.question, k: k, mode: mode).map(\.chunk)
            let (a, b, c) = score(res, relevant: q.relevant, k: k)
            r += a; m += b; n += c
        }
        let c = Double(qa.count)
        return RetrievalScores(mode: mode.rawValue, k: k, recall: r / c, mrr: m / c, ndcg: n / c, questions: qa.count)
    }
}
