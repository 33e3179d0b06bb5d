// PerplexityEvaluator.swift: perplexity of a model on a text, computed exactly as llama.cpp's
// llama-perplexity (tools/perplexity/perplexity.cpp, `perplexity()` without --ppl-stride):
// tokenize the whole text once with the model's special tokens (BOS only if the vocab adds one;
// SmolLM2 does not), cut floor(n / n_ctx) non-overlapping windows of n_ctx tokens, run each in a
// fresh KV cache (f16) with its first token replaced by BOS when the vocab adds BOS, score the
// positions n_ctx/2 ..< n_ctx-1 (each predicting the next token) by log-softmax, and report
// exp(mean NLL) over all scored tokens. llama.cpp requires at least 2 * n_ctx tokens; so do we.
// The first half of each window runs without logits (causal attention makes this identical).
import Foundation
import Models
import Tokenizers

/// The result of a perplexity run.
public struct PerplexityResult: Codable, Sendable, Equatable {
    public var perplexity: Double
    /// Mean negative log-likelihood per scored token (nats).
    public var meanNLL: Double
    /// Standard error of the perplexity, as llama.cpp prints after "+/-".
    public var standardError: Double
    public var tokens: Int
    public var chunks: Int
    public var scoredTokens: Int
    public var context: Int
    /// Perplexity after each chunk (llama.cpp's "[1]x,[2]y,..." line).
    public var runningPerplexity: [Double]
    public var seconds: Double
}

/// llama.cpp-compatible perplexity.
public enum PerplexityEvaluator {
    /// Perplexity of `model` on `text` with windows of `context` tokens; `progress(done, total)`.
    public static func run(model: LanguageModel, tokenizer: Tokenizer, text: String, context: Int = 512,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> PerplexityResult {
        let tokens = tokenizer.encode(text, addSpecial: true, parseSpecial: false)
        return try run(model: model, tokens: tokens, bos: tokenizer.addBOS ? tokenizer.bosID : nil, context: context, progress: progress)
    }

    /// Perplexity over already tokenized text; `bos` replaces each window's first token when given.
    public static func run(model: LanguageModel, tokens: [Int32], bos: Int32?, context: Int,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> PerplexityResult {
        guard context >= 4, context <= model.contextLength else {
            throw ModelError.contextFull(needed: context, capacity: model.contextLength)
        }
        guard tokens.count >= 2 * context else { throw EvalError.textTooShort(tokens: tokens.count, needed: 2 * context) }
        let t0 = Date()
        let windows = Metrics.llamaCppPerplexityWindows(tokenCount: tokens.count, context: context)
        let first = context / 2
        let v = model.vocabularySize
        var acc = PerplexityAccumulator()
        var sumSquares = 0.0
        var running: [Double] = []
        for (wi, w) in windows.enumerated() {
            var ids = Array(tokens[w.tokens])
            if let bos { ids[0] = bos }
            let cache = model.makeCache(capacity: context, precision: .f16)
            _ = try model.forward(Array(ids[..<first]), cache: cache, allLogits: false)
            let logits = try model.forward(Array(ids[first...]), cache: cache, allLogits: true)   // (context - first, vocab)
            for j in w.scoredPositions {
                let lp = LabelScorer.logSoftmax(logits, offset: (j - first) * v, count: v, token: Int(tokens[w.tokens.lowerBound + j + 1]))
                acc.add(logProbability: lp)
                sumSquares += lp * lp
            }
            running.append(acc.perplexity ?? .nan)
            progress(wi + 1, windows.count)
        }
        let mean = acc.meanNegativeLogLikelihood ?? .nan
        let n = Double(acc.count)
        var variance = sumSquares / n - mean * mean
        variance = variance > 0 ? (variance / (n - 1)).squareRoot() : 0
        let ppl = exp(mean)
        return PerplexityResult(perplexity: ppl, meanNLL: mean, standardError: variance * ppl, tokens: tokens.count,
                                chunks: windows.count, scoredTokens: acc.count, context: context,
                                runningPerplexity: running, seconds: Date().timeIntervalSince(t0))
    }
}
