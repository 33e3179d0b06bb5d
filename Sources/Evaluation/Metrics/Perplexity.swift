// Perplexity.swift: perplexity from per-token log-probabilities (natural log), exp(-mean),
// plus an accumulator for scoring text in windows, and the window plan llama.cpp's
// llama-perplexity uses (non-overlapping chunks of n_ctx tokens, BOS in place of each chunk's
// first token, only the second half of each chunk scored), so a model runner can reproduce its figure.

import Foundation

extension Metrics {
    /// exp(-mean(logProbabilities)); nil when there is nothing to score.
    public static func perplexity<S: Sequence>(logProbabilities: S) -> Double? where S.Element: BinaryFloatingPoint {
        var acc = PerplexityAccumulator()
        for lp in logProbabilities { acc.add(logProbability: Double(lp)) }
        return acc.perplexity
    }
}

/// Running negative log-likelihood: add token log-probabilities, read the perplexity.
public struct PerplexityAccumulator: Sendable {
    /// Sum of -log p over the tokens added.
    public private(set) var negativeLogLikelihood: Double = 0
    /// Number of tokens added.
    public private(set) var count = 0

    public init() {}

    /// Adds one token's natural-log probability.
    public mutating func add(logProbability: Double) {
        negativeLogLikelihood -= logProbability
        count += 1
    }

    /// Mean negative log-likelihood per token (nats), nil before any token.
    public var meanNegativeLogLikelihood: Double? { count == 0 ? nil : negativeLogLikelihood / Double(count) }

    /// exp(mean NLL), nil before any token.
    public var perplexity: Double? { meanNegativeLogLikelihood.map { exp($0) } }
}

/// One evaluation window of llama.cpp's perplexity tool.
public struct PerplexityWindow: Equatable, Sendable {
    /// Token range fed to the model (its first token is replaced by BOS when the model adds one).
    public var tokens: Range<Int>
    /// Positions inside the window whose logits are scored; position j predicts token
    /// `tokens.lowerBound + j + 1`.
    public var scoredPositions: Range<Int>
}

extension Metrics {
    /// The windows `llama-perplexity -c context` evaluates over `tokenCount` tokens:
    /// floor(tokenCount / context) chunks; in each, positions context/2 ..< context-1 are scored.
    public static func llamaCppPerplexityWindows(tokenCount: Int, context: Int) -> [PerplexityWindow] {
        guard context >= 2 else { return [] }
        let chunks = tokenCount / context
        return (0..<chunks).map { i in
            PerplexityWindow(tokens: (i * context)..<((i + 1) * context), scoredPositions: (context / 2)..<(context - 1))
        }
    }
}
