// Fusion.swift: combining and diversifying rankings. Reciprocal rank fusion (Cormack, Clarke &
// Büttcher, SIGIR 2009): score(d) = Σ over rankings of 1 / (k + rank(d)), rank from 1, k = 60.
// Maximal marginal relevance (Carbonell & Goldstein, SIGIR 1998): pick greedily the candidate
// maximizing λ·sim(q, d) − (1 − λ)·max over picked p of sim(d, p).

public enum Fusion {
    /// Fuses rankings (each best first) by reciprocal rank; ties by smaller id.
    public static func reciprocalRank(_ rankings: [[SearchHit]], k: Double = 60, limit: Int) -> [SearchHit] {
        var score: [Int64: Double] = [:]
        for r in rankings { for (i, h) in r.enumerated() { score[h.id, default: 0] += 1 / (k + Double(i + 1)) } }
        return TopK.select(score.map { SearchHit(id: $0.key, score: Float($0.value)) }, k: limit)
    }

    /// Re-ranks `candidates` (with their unit vectors) by MMR and keeps `limit`.
    public static func maximalMarginalRelevance(query: [Float], candidates: [(hit: SearchHit, vector: [Float])],
                                                lambda: Float = 0.5, limit: Int) -> [SearchHit] {
        var left = candidates
        var picked: [(hit: SearchHit, vector: [Float])] = []
        while !left.isEmpty && picked.count < limit {
            var best = 0
            var bestScore = -Float.infinity
            for (i, c) in left.enumerated() {
                let rel = Vectors.dot(query, c.vector)
                let red = picked.map { Vectors.dot(c.vector, $0.vector) }.max() ?? 0
                let s = lambda * rel - (1 - lambda) * red
                if s > bestScore { bestScore = s; best = i }
            }
            picked.append(left.remove(at: best))
        }
        return picked.map(\.hit)
    }
}
