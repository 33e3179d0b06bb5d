// ShotSelection.swift: picks the solved examples shown in one-/few-shot prompts from a pool
// (the training split): the first K, K at random under a seed, or the K most similar to the
// query by an `Embedder` (TF-IDF fallback). An example whose input equals the query's is never
// shown (no answer leak). Random selection seeds per query (seed mixed with a hash of the query
// text), so the shots of an example do not depend on which other examples run or in what order.
import Foundation
import Generation
import Models

/// How shots are chosen.
public enum ShotSelection: String, Sendable, CaseIterable, Codable {
    case first, random, similar
}

/// A pool of solved examples and a rule to pick shots from it.
public final class ShotPool {
    public let examples: [TaskExample]
    public let selection: ShotSelection
    public let seed: UInt64
    private let embedder: Embedder?
    private var poolVectors: [[Float]]?

    /// - Parameter embedder: used by `.similar`; nil fits a `LexicalEmbedder` on the pool's inputs.
    public init(examples: [TaskExample], selection: ShotSelection, seed: UInt64 = 0, embedder: Embedder? = nil) {
        self.examples = examples
        self.selection = selection
        self.seed = seed
        self.embedder = selection == .similar ? (embedder ?? LexicalEmbedder(corpus: examples.map(\.input))) : embedder
    }

    /// The similarity embedder's identity (nil unless `.similar`).
    public var embedderIdentity: String? { selection == .similar ? embedder?.identity : nil }

    /// `k` shots for `query`, in the order they are shown (for `.similar`: the most similar last,
    /// nearest the question).
    public func shots(_ k: Int, for query: TaskExample) throws -> [TaskExample] {
        guard k > 0 else { return [] }
        let candidates = examples.indices.filter { examples[$0].input != query.input }
        guard candidates.count >= k else {
            if examples.isEmpty { throw PromptError.emptyPool(needed: k) }
            return candidates.map { examples[$0] }
        }
        switch selection {
        case .first:
            return candidates.prefix(k).map { examples[$0] }
        case .random:
            var rng = SplitMix64(seed: seed ^ ShotPool.fnv1a(query.input))
            var idx = candidates
            for i in 0..<k {                       // partial Fisher-Yates
                let j = i + Int(rng.next() % UInt64(idx.count - i))
                idx.swapAt(i, j)
            }
            return idx.prefix(k).map { examples[$0] }
        case .similar:
            guard let embedder else { return candidates.prefix(k).map { examples[$0] } }
            if poolVectors == nil { poolVectors = try embedder.embed(examples.map(\.input)) }
            let q = try embedder.embed([query.input])[0]
            let scored = candidates.map { ($0, LexicalEmbedder.cosine(q, poolVectors![$0])) }
                .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            return scored.prefix(k).reversed().map { examples[$0.0] }
        }
    }

    /// 64-bit FNV-1a of the UTF-8 bytes (stable across runs and platforms, unlike `hashValue`).
    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }
}
