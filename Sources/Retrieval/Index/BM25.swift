// BM25.swift: Okapi BM25 keyword ranking over chunk texts. score(q, d) = Σ over query tokens t of
// idf(t) · tf(t,d)·(k1+1) / (tf(t,d) + k1·(1 − b + b·|d|/avgdl)) (Robertson & Zaragoza 2009, eq. 3.3;
// duplicate query tokens count each time, as rank_bm25 does). idf is Lucene's
// ln(1 + (N − n + 0.5)/(n + 0.5)) by default (never negative), or rank_bm25's BM25Okapi
// ln((N − n + 0.5)/(n + 0.5)) with negative values floored at ε·mean idf.
// Tokens: lowercase letter/digit runs, minus a short English stop-word list.
import Foundation

/// An in-memory BM25 index.
public final class BM25Index {
    public enum IDF: Sendable, Equatable { case lucene, okapi(epsilon: Double) }

    public let k1: Double, b: Double, idfKind: IDF
    public internal(set) var ids: [Int64] = []
    var lengths: [Int] = []
    var postings: [String: [(doc: Int, tf: Int)]] = [:]
    var idfCache: [String: Double]?

    public init(k1: Double = 1.5, b: Double = 0.75, idf: IDF = .lucene) {
        self.k1 = k1; self.b = b; idfKind = idf
    }

    static let stopWords: Set<String> = ["a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "in", "is",
                                         "it", "its", "of", "on", "or", "that", "the", "to", "was", "were", "will", "with",
                                         "what", "which", "who", "how", "does", "do", "did", "this", "these", "those"]

    /// Lowercase letter/digit runs without stop words.
    public static func tokenize(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init).filter { !stopWords.contains($0) }
    }

    /// Adds a document given as text (tokenized with `tokenize`).
    public func add(id: Int64, text: String) { add(id: id, tokens: Self.tokenize(text)) }

    /// Adds a document given as tokens.
    public func add(id: Int64, tokens: [String]) {
        let d = ids.count
        ids.append(id)
        lengths.append(tokens.count)
        var tf: [String: Int] = [:]
        for t in tokens { tf[t, default: 0] += 1 }
        for (t, n) in tf { postings[t, default: []].append((d, n)) }
        idfCache = nil
    }

    public var count: Int { ids.count }

    func idf() -> [String: Double] {
        if let c = idfCache { return c }
        let n = Double(ids.count)
        var out: [String: Double] = [:]
        for (t, p) in postings {
            let df = Double(p.count)
            switch idfKind {
            case .lucene: out[t] = log(1 + (n - df + 0.5) / (df + 0.5))
            case .okapi: out[t] = log((n - df + 0.5) / (df + 0.5))
            }
        }
        if case let .okapi(eps) = idfKind, !out.isEmpty {
            let floor = eps * out.values.reduce(0, +) / Double(out.count)
            for (t, v) in out where v < 0 { out[t] = floor }
        }
        idfCache = out
        return out
    }

    /// Scores of every document for the query tokens (0 where no token matches), in add order.
    public func scores(tokens: [String]) -> [Double] {
        var s = [Double](repeating: 0, count: ids.count)
        guard !ids.isEmpty else { return s }
        let avgdl = Double(lengths.reduce(0, +)) / Double(ids.count)
        let idf = idf()
        for t in tokens {
            guard let p = postings[t], let w = idf[t] else { continue }
            for (d, tf) in p {
                let f = Double(tf)
                let norm = k1 * (1 - b + b * Double(lengths[d]) / max(avgdl, 1e-9))
                s[d] += w * f * (k1 + 1) / (f + norm)
            }
        }
        return s
    }

    /// The k best documents for `query` with a positive score, best first.
    public func search(_ query: String, k: Int, filter: ((Int64) -> Bool)? = nil) -> [SearchHit] {
        let s = scores(tokens: Self.tokenize(query))
        var hits: [SearchHit] = []
        for (i, v) in s.enumerated() where v > 0 && (filter?(ids[i]) ?? true) { hits.append(SearchHit(id: ids[i], score: Float(v))) }
        return TopK.select(hits, k: k)
    }
}
