// BenchData.swift: seeded inputs for `tailor bench embed` / `bench index`: sentences of common
// English words, and vectors with the structure of real embeddings (Gaussian-mixture latents of
// 32 dimensions projected to the target dimension and normalized; uniform random vectors would be
// a poor test of HNSW).
import Foundation
import Retrieval

enum BenchData {
    static let vocabulary = """
    the of and to in is that for it as was with be by on not he this are or his from at which but have an they you were her she \
    there been one all we their has would when if so no will can more about time out up other into could state only new some \
    people two may first water after where most over very year like through back years much before good right just city day \
    house school work world life hand part place case week company system program question government number night point home \
    river garden summer winter market bread coffee music engine paper window mountain forest doctor student teacher village \
    railway letter morning evening island bridge harbour kitchen library museum station weather energy planet ocean travel
    """.split(whereSeparator: \.isWhitespace).map(String.init)

    struct RNG {
        var s: UInt64
        mutating func next() -> UInt64 { s = s &* 6364136223846793005 &+ 1442695040888963407; return s }
        mutating func uniform() -> Double { (Double(next() >> 11) + 0.5) / Double(1 << 53) }
        mutating func gauss() -> Float { Float((-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform())) }
    }

    static func sentences(count: Int, words: Int, seed: UInt64) -> [String] {
        var r = RNG(s: seed)
        return (0..<count).map { _ in
            var w = (0..<words).map { _ in vocabulary[Int(r.next() >> 33) % vocabulary.count] }
            w[0] = w[0].prefix(1).uppercased() + w[0].dropFirst()
            return w.joined(separator: " ") + "."
        }
    }

    /// `count` unit vectors of `dim` dimensions: a mixture of `clusters` Gaussians in `latent`
    /// dimensions, projected by a fixed Gaussian matrix.
    static func vectors(count: Int, dim: Int, latent: Int = 32, clusters: Int = 100, seed: UInt64) -> [Float] {
        var r = RNG(s: 0x5EED)
        let proj = (0..<(latent * dim)).map { _ in r.gauss() / Float(latent).squareRoot() }
        let centers = (0..<(clusters * latent)).map { _ in 1.5 * r.gauss() }
        r = RNG(s: seed)
        var out = [Float](repeating: 0, count: count * dim)
        var z = [Float](repeating: 0, count: latent)
        for i in 0..<count {
            let c = Int(r.next() >> 33) % clusters
            for j in 0..<latent { z[j] = centers[c * latent + j] + r.gauss() }
            var v = [Float](repeating: 0, count: dim)
            for j in 0..<latent where z[j] != 0 { for d in 0..<dim { v[d] += z[j] * proj[j * dim + d] } }
            Vectors.normalize(&v)
            out.replaceSubrange((i * dim)..<((i + 1) * dim), with: v)
        }
        return out
    }

    /// scripts/NAME in the source tree this binary was built from.
    static func script(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/\(name)").path
    }
}
