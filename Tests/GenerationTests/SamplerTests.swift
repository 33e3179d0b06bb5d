// SamplerTests.swift: the sampling chain against distributions computed directly from the
// definitions (top-k, top-p nucleus, min-p, temperature, repetition penalty as llama.cpp applies
// them), by drawing many samples; greedy ties; determinism under a seed.
import XCTest
@testable import Generation

final class SamplerTests: XCTestCase {
    let logits: [Float] = [2.0, 1.0, 0.5, 3.0, -1.0, 0.0, 2.5, 1.5]

    /// The distribution the chain should produce, computed from the definitions.
    func expected(_ c: SamplingConfig, _ logits: [Float]) -> [Double] {
        var ids = Array(logits.indices).sorted { logits[$0] != logits[$1] ? logits[$0] > logits[$1] : $0 < $1 }
        if c.topK > 0 { ids = Array(ids.prefix(c.topK)) }
        let m = Double(logits[ids[0]])
        var p = ids.map { exp(Double(logits[$0]) - m) }
        var z = p.reduce(0, +)
        if c.topP < 1 {
            var acc = 0.0, keep = p.count
            for i in p.indices { acc += p[i] / z; if acc >= Double(c.topP) { keep = i + 1; break } }
            ids = Array(ids.prefix(keep)); p = Array(p.prefix(keep)); z = p.reduce(0, +)
        }
        if c.minP > 0 { let cut = p[0] * Double(c.minP); let keep = p.filter { $0 >= cut }.count; ids = Array(ids.prefix(keep)) }
        let q = ids.map { exp((Double(logits[$0]) - m) / Double(c.temperature)) }
        let qz = q.reduce(0, +)
        var out = [Double](repeating: 0, count: logits.count)
        for (i, id) in ids.enumerated() { out[id] = q[i] / qz }
        return out
    }

    func empirical(_ c: SamplingConfig, n: Int = 40000) -> [Double] {
        var s = Sampler(c)
        var counts = [Double](repeating: 0, count: logits.count)
        for _ in 0..<n { counts[Int(s.sample(logits, history: []))] += 1 }
        return counts.map { $0 / Double(n) }
    }

    func testChainMatchesDefinition() {
        let configs = [
            SamplingConfig(temperature: 1, topK: 0, topP: 1, minP: 0, seed: 1),
            SamplingConfig(temperature: 0.7, topK: 3, topP: 1, minP: 0, seed: 2),
            SamplingConfig(temperature: 1.3, topK: 0, topP: 0.8, minP: 0, seed: 3),
            SamplingConfig(temperature: 1, topK: 0, topP: 1, minP: 0.3, seed: 4),
            SamplingConfig(temperature: 0.9, topK: 5, topP: 0.9, minP: 0.1, seed: 5),
        ]
        for c in configs {
            let e = expected(c, logits), got = empirical(c)
            for i in logits.indices {
                XCTAssertEqual(got[i], e[i], accuracy: 0.012, "config \(c) token \(i)")
                if e[i] == 0 { XCTAssertEqual(got[i], 0, "token \(i) must be filtered out") }
            }
        }
    }

    func testGreedyTiesGoToLowestID() {
        var s = Sampler(.greedy)
        XCTAssertEqual(s.sample([1, 5, 5, 2], history: []), 1)
        XCTAssertEqual(Sampler.argmax([0, 0, 0]), 0)
    }

    /// The SIMD argmax against the plain first-maximum loop: lengths around the 16-lane blocks
    /// and a vocabulary-sized row, values drawn from a few levels so ties are common and the
    /// maximum lands in the tail, in the first lane or in any block; NaN rows follow the loop too.
    func testArgmaxMatchesFirstMaximumLoop() {
        func reference(_ v: [Float]) -> Int32 {
            var best = 0
            for i in 1..<v.count where v[i] > v[best] { best = i }
            return Int32(best)
        }
        var rng = SystemRandomNumberGenerator()
        for n in [1, 2, 15, 16, 17, 31, 32, 33, 47, 100, 49152] {
            for trial in 0..<40 {
                let levels = trial % 2 == 0 ? 4 : 1000
                var v = (0..<n).map { _ in Float(Int.random(in: 0..<levels, using: &rng)) - Float(levels / 2) }
                if trial % 5 == 1 { v[Int.random(in: 0..<n, using: &rng)] = .infinity }
                if trial % 7 == 2 { v[Int.random(in: 0..<n, using: &rng)] = .nan }
                if trial % 11 == 3 { v = v.map { _ in -.infinity } }
                XCTAssertEqual(Sampler.argmax(v), reference(v), "n \(n) trial \(trial)")
            }
        }
    }

    func testRepetitionPenaltyAsLlamaCpp() {
        // llama.cpp divides positive logits and multiplies negative ones by the penalty, once per distinct token
        var s = Sampler(SamplingConfig(temperature: 0, topK: 0, topP: 1, minP: 0, repetitionPenalty: 2, repetitionWindow: 2))
        XCTAssertEqual(s.sample([3.0, 2.0, -1.0], history: [0, 0]), 1)        // 3/2 = 1.5 < 2
        XCTAssertEqual(s.sample([3.0, 2.0, 2.5], history: [2, 0, 1]), 2)     // only the last 2 (0, 1) are penalized
    }

    func testSeedDeterminism() {
        let c = SamplingConfig(temperature: 1, topK: 0, topP: 1, minP: 0, seed: 42)
        var a = Sampler(c), b = Sampler(c)
        let xs = (0..<50).map { _ in a.sample(logits, history: []) }
        let ys = (0..<50).map { _ in b.sample(logits, history: []) }
        XCTAssertEqual(xs, ys)
    }
}

final class TextStreamTests: XCTestCase {
    func testNeverSplitsUTF8() {
        var s = TextStream(stopStrings: [])
        let bytes = Array("é🍑".utf8)  // 2 + 4 bytes
        var out = ""
        for b in bytes { let t = s.append([b]); XCTAssertTrue(t.isEmpty || t == "é" || t == "🍑", "partial \(t)"); out += t }
        out += s.finish()
        XCTAssertEqual(out, "é🍑")
    }

    func testStopStringAcrossTokensIsHeldBackAndCut() {
        var s = TextStream(stopStrings: ["<END>"])
        var out = ""
        for piece in ["Hello", " wor", "ld<E", "N", "D> more"] { out += s.append(Array(piece.utf8)) }
        XCTAssertTrue(s.stopped)
        out += s.finish()
        XCTAssertEqual(out, "Hello world")
        XCTAssertEqual(s.emitted, "Hello world")
    }

    func testPrefixThatIsNotAStopIsReleased() {
        var s = TextStream(stopStrings: ["<END>"])
        var out = s.append(Array("a <E".utf8))
        XCTAssertEqual(out, "a ")
        out += s.append(Array("x".utf8))
        XCTAssertEqual(out, "a <Ex")
        XCTAssertFalse(s.stopped)
    }
}
