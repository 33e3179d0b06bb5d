// ConversationGenerator.swift: generation for a multi-turn chat that keeps one KV cache between
// turns. Each turn the whole conversation is re-rendered and tokenized; the cache rows of the
// longest common prefix of those tokens and the tokens already in the cache (the previous
// prompt plus the reply tokens that were fed back) are kept, and only the rest is prefilled.
// A rendering that rewrites earlier text (another system message, /reset, a template that
// changes past turns) shares a shorter prefix, down to none: then it is a full prefill. Rows are
// causal, so a kept row depends only on the tokens before it and equals what a full prefill
// would compute (up to float rounding between batched and one-token forwards).
import Foundation
import Generation
import Models

/// One generated reply.
public struct ConversationTurn: Sendable {
    public var tokens: [Int32]
    public var text: String
    public var stopReason: GenerationResult.StopReason
    public var promptMilliseconds: Double
    public var generationMilliseconds: Double
}

/// Generates turn after turn, reusing the KV cache of the shared prefix.
public final class ConversationGenerator {
    public let model: LanguageModel
    let piece: (Int32) -> [UInt8]
    let endOfGeneration: Set<Int32>
    /// false: every turn is a full prefill into a fresh cache (for comparison).
    public var reuse: Bool
    public var cachePrecision: KVCache.Precision = .f16
    private var cache: KVCache?
    /// The tokens whose keys and values fill the cache's rows, in order.
    private var cachedTokens: [Int32] = []
    /// Prompt tokens taken from the cache (not prefilled) in the last turn.
    public private(set) var lastReusedTokens = 0
    /// Prompt tokens prefilled in the last turn.
    public private(set) var lastPrefilledTokens = 0

    /// - Parameters:
    ///   - piece: the bytes a token decodes to.
    ///   - endOfGeneration: tokens that end a turn.
    public init(model: LanguageModel, piece: @escaping (Int32) -> [UInt8], endOfGeneration: Set<Int32>, reuse: Bool = true) {
        self.model = model
        self.piece = piece
        self.endOfGeneration = endOfGeneration
        self.reuse = reuse
    }

    /// Forgets the cache (the next turn is a full prefill).
    public func reset() {
        cache = nil
        cachedTokens = []
    }

    /// Generates after `prompt` (the whole rendered conversation), streaming text to `onText`.
    public func generate(_ prompt: [Int32], options: GenerationOptions, onText: (String) -> Void = { _ in }) throws -> ConversationTurn {
        guard !prompt.isEmpty else { throw GenerationError.emptyPrompt }
        let context = model.contextLength
        guard prompt.count < context else { throw GenerationError.promptTooLong(tokens: prompt.count, context: context) }
        let needed = min(context, prompt.count + max(options.maxTokens, 0))
        if !reuse || cache == nil || cache!.capacity < needed || cache!.precision != options.cachePrecision {
            // Room for a few more turns, so the cache is not reallocated (and fully prefilled) every turn.
            let capacity = reuse ? min(context, max(needed, 2 * needed, 1024)) : max(needed, prompt.count)
            cache = model.makeCache(capacity: capacity, precision: options.cachePrecision)
            cachedTokens = []
        }
        let cache = self.cache!
        var keep = 0
        let limit = min(cachedTokens.count, prompt.count - 1)      // at least one token is fed for logits
        while keep < limit && cachedTokens[keep] == prompt[keep] { keep += 1 }
        cache.truncate(to: cache.prefixCount + keep)    // an adapter's prefix rows stay
        lastReusedTokens = keep
        lastPrefilledTokens = prompt.count - keep

        let result = try Generator(model: model, piece: piece, endOfGeneration: endOfGeneration)
            .generate(prompt, cache: cache, cachedPrefix: keep, options: options, onText: onText)
        cachedTokens = Array((prompt + result.tokens).prefix(cache.count - cache.prefixCount))
        return ConversationTurn(tokens: result.tokens, text: result.text, stopReason: result.stopReason,
                                promptMilliseconds: result.timings.promptMilliseconds,
                                generationMilliseconds: result.timings.generationMilliseconds)
    }
}
