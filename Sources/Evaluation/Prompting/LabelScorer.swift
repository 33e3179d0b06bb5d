// LabelScorer.swift: constrained classification as lm-eval's multiple-choice tasks do it: each
// allowed label is scored by the log-likelihood of its tokens after the prompt,
//     ll(label) = sum_i log softmax(logits at position p+i-1)[label token i],
// and the best-scoring label is the answer (lm-eval's `acc`; `acc_norm` divides by the label's
// byte length). Label tokens are split as lm-eval's `_encode_pair` does: tokenize prompt+label
// together and take what follows the prompt's own tokens (falling back to the label alone when
// the prompt's tokens are not a prefix). `logLikelihood` runs one forward over prompt+label with
// logits for every position; `score` computes the same numbers with the prompt run once and the
// KV cache truncated back to it between labels.
import Foundation
import Models
import Tokenizers

/// One label's score.
public struct LabelLikelihood: Equatable, Sendable, Codable {
    public var label: String
    /// Sum of the natural-log probabilities of the label's tokens.
    public var logLikelihood: Double
    /// Number of label tokens.
    public var tokenCount: Int
    /// Log-likelihood per UTF-8 byte of the label (lm-eval's acc_norm criterion).
    public var normalized: Double { logLikelihood / Double(max(label.utf8.count, 1)) }
    /// Contextual calibration: the label's calibrated probability (see LabelCalibration.swift).
    public var calibrated: Double?

    public init(label: String, logLikelihood: Double, tokenCount: Int, calibrated: Double? = nil) {
        self.label = label; self.logLikelihood = logLikelihood; self.tokenCount = tokenCount; self.calibrated = calibrated
    }
}

/// Scores continuations of a prompt with a causal language model.
public final class LabelScorer {
    public let model: LanguageModel
    public let tokenizer: Tokenizer

    public init(model: LanguageModel, tokenizer: Tokenizer) {
        self.model = model
        self.tokenizer = tokenizer
    }

    /// The continuation's tokens after `promptTokens` (see the file header).
    public func continuationTokens(prompt: String, promptTokens: [Int32], continuation: String) -> [Int32] {
        let whole = tokenizer.encode(prompt + continuation, addSpecial: false, parseSpecial: true)
        let bos = promptTokens.first == tokenizer.bosID && tokenizer.bosID != nil ? 1 : 0
        let plain = Array(promptTokens.dropFirst(bos))
        if whole.count > plain.count, Array(whole.prefix(plain.count)) == plain {
            return Array(whole.dropFirst(plain.count))
        }
        return tokenizer.encode(continuation, addSpecial: false, parseSpecial: false)
    }

    /// Log-likelihood of `continuation` after `context`: one forward over context+continuation
    /// with all logits, one log-softmax per continuation token.
    public func logLikelihood(context: [Int32], continuation: [Int32]) throws -> Double {
        precondition(!context.isEmpty && !continuation.isEmpty, "logLikelihood needs a context and a continuation")
        let all = context + continuation
        let cache = model.makeCache(capacity: all.count, precision: .f16)
        let logits = try model.forward(all, cache: cache, allLogits: true)   // (all.count, vocab)
        let v = model.vocabularySize
        var total = 0.0
        for (i, tok) in continuation.enumerated() {
            let row = context.count - 1 + i
            total += LabelScorer.logSoftmax(logits, offset: row * v, count: v, token: Int(tok))
        }
        return total
    }

    /// Scores every label after `prompt` (already tokenized as `promptTokens`), sharing the
    /// prompt's forward pass between labels.
    public func score(prompt: String, promptTokens: [Int32], labels: [String]) throws -> [LabelLikelihood] {
        let conts = labels.map { continuationTokens(prompt: prompt, promptTokens: promptTokens, continuation: $0) }
        let longest = conts.map(\.count).max() ?? 0
        let cache = model.makeCache(capacity: promptTokens.count + longest, precision: .f16)
        let last = try model.forward(promptTokens, cache: cache, allLogits: false)      // (1, vocab)
        let mark = cache.count    // after the prompt (and any adapter prefix the cache starts with)
        let v = model.vocabularySize
        var out: [LabelLikelihood] = []
        for (label, toks) in zip(labels, conts) {
            guard !toks.isEmpty else { out.append(LabelLikelihood(label: label, logLikelihood: -.infinity, tokenCount: 0)); continue }
            var total = LabelScorer.logSoftmax(last, offset: 0, count: v, token: Int(toks[0]))
            if toks.count > 1 {
                let rows = try model.forward(Array(toks.dropLast()), cache: cache, allLogits: true)  // (n-1, vocab)
                for i in 1..<toks.count {
                    total += LabelScorer.logSoftmax(rows, offset: (i - 1) * v, count: v, token: Int(toks[i]))
                }
                cache.truncate(to: mark)
            }
            out.append(LabelLikelihood(label: label, logLikelihood: total, tokenCount: toks.count))
        }
        return out
    }

    /// The best label: highest log-likelihood (or per-byte log-likelihood when `normalized`);
    /// ties to the earlier label.
    public static func best(_ scores: [LabelLikelihood], normalized: Bool = false) -> LabelLikelihood? {
        var best: LabelLikelihood?
        for s in scores {
            let a = normalized ? s.normalized : s.logLikelihood
            if best == nil || a > (normalized ? best!.normalized : best!.logLikelihood) { best = s }
        }
        return best
    }

    /// log softmax(row)[token] for the row at `offset` of `count` logits, as llama.cpp computes
    /// it: max-subtracted, exp in float, the sum in double.
    public static func logSoftmax(_ logits: [Float], offset: Int, count: Int, token: Int) -> Double {
        logits.withUnsafeBufferPointer { buf in
            let row = UnsafeBufferPointer(rebasing: buf[offset..<(offset + count)])
            var m = row[0]
            for x in row where x > m { m = x }
            var sum = 0.0
            for x in row { sum += Double(expf(x - m)) }
            return Double(row[token] - m) - log(sum)
        }
    }
}
