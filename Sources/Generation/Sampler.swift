// Sampler.swift: turns logits into the next token. Order as llama.cpp's default chain:
// repetition penalty -> top-k -> top-p -> min-p -> temperature -> draw. Temperature <= 0 is
// greedy (argmax, ties to the lowest id). Deterministic under a seed.

import CKernels

public struct SamplingConfig: Sendable, Equatable, Codable {
    public var temperature: Float = 0.8
    public var topK: Int = 40
    public var topP: Float = 0.95
    public var minP: Float = 0.05
    public var repetitionPenalty: Float = 1.0
    /// How many recent tokens the repetition penalty looks at.
    public var repetitionWindow: Int = 64
    public var seed: UInt64 = 0

    public init(temperature: Float = 0.8, topK: Int = 40, topP: Float = 0.95, minP: Float = 0.05,
                repetitionPenalty: Float = 1.0, repetitionWindow: Int = 64, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.repetitionWindow = repetitionWindow
        self.seed = seed
    }

    public static let greedy = SamplingConfig(temperature: 0, topK: 1, topP: 1, minP: 0)
}

public struct Sampler {
    public let config: SamplingConfig
    private var rng: SplitMix64
    private var candidates: [(id: Int32, logit: Float)] = []

    public init(_ config: SamplingConfig) {
        self.config = config
        rng = SplitMix64(seed: config.seed)
    }

    /// Picks the next token from `logits` given the tokens so far (for the penalty).
    public mutating func sample(_ logits: [Float], history: [Int32]) -> Int32 {
        var logits = logits
        applyRepetitionPenalty(&logits, history: history)
        if config.temperature <= 0 { return Sampler.argmax(logits) }
        candidates.removeAll(keepingCapacity: true)
        let k = config.topK > 0 ? min(config.topK, logits.count) : logits.count
        candidates = Sampler.topK(logits, k)                      // sorted, descending
        // probabilities before temperature, as llama.cpp's top-p/min-p see them
        let maxLogit = candidates[0].logit
        var probs = candidates.map { expf($0.logit - maxLogit) }
        var sum = probs.reduce(0, +)
        if config.topP < 1 {
            var acc: Float = 0
            var keep = probs.count
            for (i, p) in probs.enumerated() {
                acc += p / sum
                if acc >= config.topP { keep = i + 1; break }
            }
            candidates.removeLast(candidates.count - keep)
            probs.removeLast(probs.count - keep)
        }
        if config.minP > 0 {
            let cut = probs[0] * config.minP
            let keep = max(1, probs.prefix { $0 >= cut }.count)
            candidates.removeLast(candidates.count - keep)
        }
        let t = config.temperature
        probs = candidates.map { expf(($0.logit - maxLogit) / t) }
        sum = probs.reduce(0, +)
        var r = Float(rng.nextDouble()) * sum
        for (i, p) in probs.enumerated() {
            r -= p
            if r <= 0 { return candidates[i].id }
        }
        return candidates[candidates.count - 1].id
    }

    private func applyRepetitionPenalty(_ logits: inout [Float], history: [Int32]) {
        let p = config.repetitionPenalty
        guard p != 1, config.repetitionWindow > 0 else { return }
        var seen = Set<Int32>()
        for id in history.suffix(config.repetitionWindow) where seen.insert(id).inserted {
            let i = Int(id)
            guard i >= 0, i < logits.count else { continue }
            logits[i] = logits[i] > 0 ? logits[i] / p : logits[i] * p
        }
    }

    /// Index of the largest value; ties go to the lowest index.
    public static func argmax(_ v: [Float]) -> Int32 {
        v.withUnsafeBufferPointer { argmax($0) }
    }

    /// Greedy choice over one logits row in place (e.g. one sequence's row of a batch).
    public static func argmax(_ v: UnsafeBufferPointer<Float>) -> Int32 {
        precondition(!v.isEmpty, "argmax of no logits")
        return Int32(tk_argmax(v.baseAddress!, Int64(v.count)))
    }

    /// The k largest (id, logit) pairs, descending; ties by lower id first.
    static func topK(_ v: [Float], _ k: Int) -> [(id: Int32, logit: Float)] {
        if k >= v.count {
            return v.enumerated().map { (Int32($0.offset), $0.element) }
                .sorted { $0.logit != $1.logit ? $0.logit > $1.logit : $0.id < $1.id }
        }
        // partial selection: keep a small sorted buffer
        var top: [(id: Int32, logit: Float)] = []
        top.reserveCapacity(k + 1)
        for (i, x) in v.enumerated() {
            if top.count == k, x <= top[k - 1].logit { continue }
            var j = top.count
            while j > 0, top[j - 1].logit < x { j -= 1 }
            top.insert((Int32(i), x), at: j)
            if top.count > k { top.removeLast() }
        }
        return top
    }
}

/// Sebastiano Vigna's SplitMix64: a small, fast, seedable generator, identical in every language
/// (data splits, shot selection, sampling and batching all draw from it).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1p-53 }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
