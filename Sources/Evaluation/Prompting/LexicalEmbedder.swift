// LexicalEmbedder.swift: the lexical fallback embedder for picking few-shot examples by
// similarity (the `Embedder` protocol is in Models; MiniLM from Retrieval plugs in the same way): TF-IDF over word unigrams and character trigrams of each word (so
// "blackberry" is near "raspberry"), smoothed idf = ln((1 + N) / (1 + df)) + 1 as scikit-learn's
// TfidfVectorizer, rows L2-normalized so cosine similarity is a dot product.
import Foundation
import Models

/// TF-IDF vectors over a vocabulary fitted on a corpus (see the file header).
public struct LexicalEmbedder: Embedder, Sendable {
    /// Feature -> column.
    public let vocabulary: [String: Int]
    /// idf per column.
    public let idf: [Float]

    public var identity: String { "tfidf:word+char3:\(idf.count)" }
    public var dimension: Int { idf.count }
    public var normalizes: Bool { true }

    /// Fits the vocabulary and idf on `corpus`.
    public init(corpus: [String]) {
        var df: [String: Int] = [:]
        for text in corpus { for f in Set(LexicalEmbedder.features(text)) { df[f, default: 0] += 1 } }
        let names = df.keys.sorted()
        var vocab: [String: Int] = [:]
        for (i, n) in names.enumerated() { vocab[n] = i }
        let n = Float(corpus.count)
        vocabulary = vocab
        idf = names.map { logf((1 + n) / (1 + Float(df[$0]!))) + 1 }
    }

    /// Word unigrams ("w:peach") and character trigrams of each word with boundaries ("c:^pe").
    public static func features(_ text: String) -> [String] {
        let words = text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
        var out: [String] = []
        for w in words {
            out.append("w:" + w)
            let chars = Array("^" + w + "$")
            if chars.count >= 3 { for i in 0...(chars.count - 3) { out.append("c:" + String(chars[i..<(i + 3)])) } }
        }
        return out
    }

    public func embed(_ texts: [String]) -> [[Float]] {
        texts.map { text in
            var v = [Float](repeating: 0, count: idf.count)
            for f in LexicalEmbedder.features(text) { if let j = vocabulary[f] { v[j] += 1 } }
            for j in v.indices where v[j] != 0 { v[j] *= idf[j] }
            let norm = sqrtf(v.reduce(0) { $0 + $1 * $1 })
            if norm > 0 { for j in v.indices { v[j] /= norm } }
            return v
        }
    }

    /// Cosine similarity of two vectors (0 when either is zero).
    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "cosine: vectors of \(a.count) and \(b.count) dimensions")
        var dot: Float = 0, na: Float = 0, nb: Float = 0
        for i in a.indices { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i] }
        return na > 0 && nb > 0 ? dot / (na.squareRoot() * nb.squareRoot()) : 0
    }
}
