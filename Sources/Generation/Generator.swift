// Generator.swift: the decode loop. Prefill the prompt in one batch, then sample one token at a
// time until an end-of-generation token, a stop string, or the token budget. An optional cache
// prefix (prefix tuning's keys/values) fills the first positions of the cache before the prompt.
import Foundation
import Models

public struct GenerationOptions: Sendable {
    public var maxTokens: Int = 128
    public var sampling: SamplingConfig = .init()
    public var stopStrings: [String] = []
    /// Keep going past end-of-generation tokens.
    public var ignoreEOS = false
    public var cachePrecision: KVCache.Precision = .f16

    public init(maxTokens: Int = 128, sampling: SamplingConfig = .init(), stopStrings: [String] = [],
                ignoreEOS: Bool = false, cachePrecision: KVCache.Precision = .f16) {
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.stopStrings = stopStrings
        self.ignoreEOS = ignoreEOS
        self.cachePrecision = cachePrecision
    }
}

public struct GenerationResult: Sendable, Codable {
    public enum StopReason: String, Sendable, Codable { case endOfGeneration = "eos", stopString = "stop", maxTokens = "length" }
    public var promptTokens: [Int32]
    public var tokens: [Int32]
    public var text: String
    public var stopReason: StopReason
    public var timings: Timings

    public struct Timings: Sendable, Codable {
        public var promptMilliseconds: Double
        public var generationMilliseconds: Double
        public var promptTokensPerSecond: Double
        public var generationTokensPerSecond: Double
    }
}

public enum GenerationError: Error, CustomStringConvertible {
    case emptyPrompt
    case promptTooLong(tokens: Int, context: Int)

    public var description: String {
        switch self {
        case .emptyPrompt: "the prompt is empty (it produced no tokens)"
        case let .promptTooLong(n, c): "the prompt has \(n) tokens but the model's context holds \(c)"
        }
    }
}

public final class Generator {
    public let model: LanguageModel
    let piece: (Int32) -> [UInt8]
    let endOfGeneration: Set<Int32>

    /// - Parameters:
    ///   - piece: the bytes a token decodes to (special tokens as their text).
    ///   - endOfGeneration: tokens that end a turn (EOS, EOT, <|im_end|> ...).
    public init(model: LanguageModel, piece: @escaping (Int32) -> [UInt8], endOfGeneration: Set<Int32>) {
        self.model = model
        self.piece = piece
        self.endOfGeneration = endOfGeneration
    }

    /// Generates after `prompt`; `onText` receives text as it becomes final.
    public func generate(_ prompt: [Int32], options: GenerationOptions,
                         onText: (String) -> Void = { _ in }) throws -> GenerationResult {
        guard !prompt.isEmpty else { throw GenerationError.emptyPrompt }
        let context = model.contextLength
        guard prompt.count < context else { throw GenerationError.promptTooLong(tokens: prompt.count, context: context) }
        let capacity = min(context, prompt.count + max(options.maxTokens, 0))
        let cache = model.makeCache(capacity: max(capacity, prompt.count), precision: options.cachePrecision)
        return try generate(prompt, cache: cache, cachedPrefix: 0, options: options, onText: onText)
    }

    /// Generates after `prompt` into `cache`, which already holds the first `cachedPrefix` prompt
    /// tokens (after any adapter prefix rows): only the rest is prefilled (chat turns).
    public func generate(_ prompt: [Int32], cache: KVCache, cachedPrefix keep: Int, options: GenerationOptions,
                         onText: (String) -> Void = { _ in }) throws -> GenerationResult {
        precondition(keep >= 0 && keep < prompt.count && cache.count == cache.prefixCount + keep, "cache must hold exactly the first \(keep) prompt tokens")
        var sampler = Sampler(options.sampling)
        var stream = TextStream(stopStrings: options.stopStrings)
        var history = prompt
        var generated: [Int32] = []
        var reason = GenerationResult.StopReason.maxTokens

        let t0 = DispatchTime.now().uptimeNanoseconds
        var logits = try model.forward(Array(prompt[keep...]), cache: cache, allLogits: false)
        let t1 = DispatchTime.now().uptimeNanoseconds
        while generated.count < options.maxTokens {
            let next = sampler.sample(logits, history: history)
            if !options.ignoreEOS, endOfGeneration.contains(next) { reason = .endOfGeneration; break }
            generated.append(next)
            history.append(next)
            let text = stream.append(piece(next))
            if !text.isEmpty { onText(text) }
            if stream.stopped { reason = .stopString; break }
            if generated.count >= options.maxTokens || cache.count >= cache.capacity { break }
            logits = try model.forward([next], cache: cache, allLogits: false)
        }
        let tail = stream.finish()
        if !tail.isEmpty { onText(tail) }
        let t2 = DispatchTime.now().uptimeNanoseconds
        let pm = Double(t1 - t0) / 1e6, gm = Double(t2 - t1) / 1e6
        let timings = GenerationResult.Timings(
            promptMilliseconds: pm, generationMilliseconds: gm,
            promptTokensPerSecond: pm > 0 ? Double(prompt.count - keep) / pm * 1000 : 0,
            generationTokensPerSecond: gm > 0 ? Double(generated.count) / gm * 1000 : 0)
        return GenerationResult(promptTokens: prompt, tokens: generated, text: stream.emitted,
                                stopReason: reason, timings: timings)
    }
}
