// InferenceAdapters.swift: runs an adapter that does not fold into the weights on the inference
// model (KV cache, quantized kernels), through the model's hook points (Models/InferenceHooks):
//   prefix tuning:      every cache starts with the adapter's key/value prefixes;
//   prompt tuning:      the virtual-token embeddings are run through the model once, and every
//                       cache starts with the keys/values they produce (positions 0 … N−1, the
//                       text from N, as PEFT and the training graph place them);
//   bottleneck adapter: a sublayer hook adds up(silu(down·h + b_d)) + b_u to each adapted
//                       sublayer output before its residual add.
// LoRA, DoRA and IA3 are merged into the weights at load instead (AdapterMerge).
import CKernels
import Foundation
import Models
import Tensor
import Training

public enum InferenceAdapters {
    /// The model to run with the (non-mergeable) adapter in `directory` attached to `model`.
    /// `graph` is a frozen training graph of the same model: the adapter files load into it.
    public static func attach(_ directory: String, to model: LlamaModel, graph: LlamaTrainingGraph,
                              context: AdapterContext) throws -> LanguageModel {
        let adapter = try AdapterRegistry.load(directory, into: graph, context: context)
        switch adapter {
        case let a as PrefixTuningAdapter:
            return PrefixedLanguageModel(base: model, prefix: a.cacheRows())
        case let a as PromptTuningAdapter:
            return PrefixedLanguageModel(base: model, prefix: try virtualTokenRows(a.embeddings.value.array, model: model))
        case let a as BottleneckAdapter:
            model.sublayerHook = BottleneckHook(a)
            return model
        default:
            throw AdapterError("\(directory): a \(adapter.method) adapter is merged into the weights, not attached at run time")
        }
    }

    /// The cache rows (per layer: keys, values) of `tokens` as the first positions, computed with
    /// exact f32 activations (prefix tuning initialized from a text).
    public static func tokenRows(_ tokens: [Int32], model: LlamaModel) throws -> (keys: [[Float]], values: [[Float]]) {
        let cache = model.makeCache(capacity: tokens.count, precision: .f32)
        let saved = model.activations
        model.activations = .f32
        defer { model.activations = saved }
        _ = try model.forward(tokens, cache: cache, allLogits: false)
        let rows = (0..<model.config.layers).map { cache.rows(layer: $0) }
        return (rows.map(\.keys), rows.map(\.values))
    }

    /// The cache rows (per layer: keys, values) that `embeddings` (N, D) produce as the first N
    /// positions, computed with exact f32 activations.
    public static func virtualTokenRows(_ embeddings: [Float], model: LlamaModel) throws -> (keys: [[Float]], values: [[Float]]) {
        let n = embeddings.count / model.config.dim
        let cache = model.makeCache(capacity: n, precision: .f32)
        let saved = model.activations
        model.activations = .f32
        defer { model.activations = saved }
        try model.prefill(embeddings: embeddings, count: n, cache: cache)
        let rows = (0..<model.config.layers).map { cache.rows(layer: $0) }
        return (rows.map(\.keys), rows.map(\.values))
    }
}

/// A bottleneck adapter's blocks as plain arrays, applied to the inference model's sublayers.
final class BottleneckHook: SublayerHook {
    struct Block { let down: [Float], downBias: [Float], up: [Float], upBias: [Float], width: Int }
    let attention: [Block?], mlp: [Block]
    let dim: Int
    /// Scratch for the bottleneck activations (the model runs one forward at a time).
    private var z: [Float] = []

    init(_ a: BottleneckAdapter) {
        func block(_ b: BottleneckBlock) -> Block {
            Block(down: b.down.value.array, downBias: b.downBias.value.array, up: b.up.value.array, upBias: b.upBias.value.array,
                  width: b.down.shape[0])
        }
        attention = a.attention.map { $0.map(block) }
        mlp = a.mlp.map(block)
        dim = a.mlp.first?.down.shape[1] ?? 0
    }

    func sublayerOutput(layer: Int, sublayer: Sublayer, _ h: UnsafeMutablePointer<Float>, tokens T: Int) {
        guard let b = sublayer == .attention ? attention[layer] : mlp[layer] else { return }
        let D = dim, d = b.width
        if z.count < T * d { z = [Float](repeating: 0, count: T * d) }   // reused across calls: no allocation per token
        z.withUnsafeMutableBufferPointer { zp in
            let z = zp.baseAddress!
            b.down.withUnsafeBufferPointer { tk_sgemm(0, 1, Int64(T), Int64(d), Int64(D), 1, h, Int64(D), $0.baseAddress!, Int64(D), 0, z, Int64(d)) }
            for t in 0..<T {
                for j in 0..<d {
                    let x = z[t * d + j] + b.downBias[j]
                    z[t * d + j] = x / (1 + expf(-x))
                }
            }
            // h += z·upᵀ + b_u
            b.up.withUnsafeBufferPointer { tk_sgemm(0, 1, Int64(T), Int64(D), Int64(d), 1, z, Int64(d), $0.baseAddress!, Int64(d), 1, h, Int64(D)) }
        }
        for t in 0..<T { for j in 0..<D { h[t * D + j] += b.upBias[j] } }
    }
}
