// InferenceHooks.swift: the points where adapters that do not fold into the weights attach to
// the inference model, so no method code lives in the model file: a hook on each sublayer's
// output (bottleneck adapters), and a language model whose every cache starts with fixed prefix
// rows (prefix tuning's key/value prefixes, or prompt tuning's virtual tokens run through the model).

import Tensor

/// A transformer block's sublayers.
public enum Sublayer: Sendable { case attention, mlp }

/// Changes a sublayer's output in place before its residual add.
public protocol SublayerHook: AnyObject {
    /// `h` holds `tokens` rows of the model width.
    func sublayerOutput(layer: Int, sublayer: Sublayer, _ h: UnsafeMutablePointer<Float>, tokens: Int)
}

/// A model whose caches start with `prefix` key/value rows (per layer, P·kvDim floats each, keys
/// already rotated): positions 0 ..< P belong to the adapter, the caller's tokens start at P.
public final class PrefixedLanguageModel: LanguageModel {
    public let base: LanguageModel
    public let prefix: (keys: [[Float]], values: [[Float]])
    public let prefixLength: Int

    public init(base: LanguageModel, prefix: (keys: [[Float]], values: [[Float]])) {
        self.base = base
        self.prefix = prefix
        let kvDim = base.makeCache(capacity: 1, precision: .f32).kvDim
        prefixLength = (prefix.keys.first?.count ?? 0) / max(kvDim, 1)
    }

    public var architecture: String { base.architecture }
    public var vocabularySize: Int { base.vocabularySize }
    /// The positions left for the caller's tokens.
    public var contextLength: Int { base.contextLength - prefixLength }
    public var parameterCount: Int { base.parameterCount }
    public var activations: ActivationPrecision {
        get { base.activations }
        set { base.activations = newValue }
    }
    public var batchInvariant: Bool {
        get { base.batchInvariant }
        set { base.batchInvariant = newValue }
    }

    /// A cache with room for `capacity` tokens after the prefix, already holding the prefix.
    public func makeCache(capacity: Int, precision: KVCache.Precision) -> KVCache {
        let c = base.makeCache(capacity: capacity + prefixLength, precision: precision)
        if prefixLength > 0 { c.prefill(keys: prefix.keys, values: prefix.values) }
        return c
    }

    public func forward(_ tokens: [Int32], cache: KVCache, allLogits: Bool) throws -> [Float] {
        try base.forward(tokens, cache: cache, allLogits: allLogits)
    }

    public func decodeBatch(_ tokens: [Int32], caches: [KVCache]) throws -> [Float] {
        try base.decodeBatch(tokens, caches: caches)
    }
}
