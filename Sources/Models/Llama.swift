// Llama.swift: the Llama-family decoder (Llama 2/3, SmolLM, Mistral, Qwen2 with QKV biases).
// Pre-norm blocks: x += Wo·attn(rope(Wq·n(x)), rope(Wk·n(x)), Wv·n(x)); x += Wd·(silu(Wg·n(x)) ⊙ Wu·n(x)).
// Dimensions: T tokens in a chunk, D model width, H/Hkv heads, Dh head size, F ffn width, V vocab.
// Weights stay in their stored (quantized) type; scratch buffers are reused across calls, so one
// model instance runs one forward at a time.
import NN
import Tensor
import CKernels

public final class LlamaModel: LanguageModel {
    struct Block {
        let attnNorm: RMSNorm
        let wq: Linear, wk: Linear, wv: Linear, wo: Linear
        let ffnNorm: RMSNorm
        let gate: Linear, up: Linear, down: Linear
        /// [wq, wk, wv] and [gate, up]: the projections that read the same input, applied together.
        let qkv: LinearGroup, gateUp: LinearGroup

        init(attnNorm: RMSNorm, wq: Linear, wk: Linear, wv: Linear, wo: Linear, ffnNorm: RMSNorm,
             gate: Linear, up: Linear, down: Linear) {
            self.attnNorm = attnNorm
            self.wq = wq; self.wk = wk; self.wv = wv; self.wo = wo
            self.ffnNorm = ffnNorm
            self.gate = gate; self.up = up; self.down = down
            qkv = LinearGroup([wq, wk, wv])
            gateUp = LinearGroup([gate, up])
        }
    }

    public let config: LlamaConfig
    let embedding: WeightMatrix       // (V, D)
    let blocks: [Block]
    let outputNorm: RMSNorm
    let output: Linear                // (V, D), tied to the embedding when the file has no output
    let rope: RotaryEmbedding
    let pool: ThreadPool
    let scratch: Scratch
    public let parameterCount: Int
    /// `.int8` (default) quantizes activations for integer dot products as llama.cpp does
    /// (`.int8Lanes` / `.int8Blocked` fix the summation order); `.f32` is the exact reference path.
    public var activations: ActivationPrecision = .int8
    /// See `LanguageModel.batchInvariant`.
    public var batchInvariant = true
    /// Sees every sublayer output before its residual add (bottleneck adapters); nil: none.
    public var sublayerHook: SublayerHook?

    public var architecture: String { config.architecture }
    public var vocabularySize: Int { config.vocabSize }
    public var contextLength: Int { config.contextLength }

    /// Builds the model from tensors named as llama.cpp's GGUF files name them.
    public init(config c: LlamaConfig, weights w: WeightSource, pool: ThreadPool) throws {
        config = c
        self.pool = pool
        let fileEmbedding = try w.matrix("token_embd.weight")
        let qDim = c.heads * c.headDim, kvDim = c.kvHeads * c.headDim
        func lin(_ name: String, _ rows: Int, _ cols: Int) throws -> Linear {
            let m = try w.matrix("\(name).weight").packedForInference(pool: pool)
            guard m.rows == rows, m.cols == cols else {
                throw ModelError.badTensor(origin: "model", name: "\(name).weight",
                                           message: "shape (\(m.rows), \(m.cols)), expected (\(rows), \(cols))")
            }
            let bias = w.contains("\(name).bias") ? try w.vector("\(name).bias") : nil
            if let bias, bias.count != rows {
                throw ModelError.badTensor(origin: "model", name: "\(name).bias", message: "length \(bias.count), expected \(rows)")
            }
            return Linear(weight: m, bias: bias)
        }
        func norm(_ name: String) throws -> RMSNorm {
            let v = try w.vector(name)
            guard v.count == c.dim else {
                throw ModelError.badTensor(origin: "model", name: name, message: "length \(v.count), expected \(c.dim)")
            }
            return RMSNorm(weight: v, eps: c.normEps)
        }
        guard fileEmbedding.cols == c.dim, fileEmbedding.rows >= c.vocabSize else {
            throw ModelError.badTensor(origin: "model", name: "token_embd.weight",
                                       message: "shape (\(fileEmbedding.rows), \(fileEmbedding.cols)), expected (\(c.vocabSize), \(c.dim))")
        }
        blocks = try (0..<c.layers).map { i in
            let p = "blk.\(i)"
            return Block(attnNorm: try norm("\(p).attn_norm.weight"),
                         wq: try lin("\(p).attn_q", qDim, c.dim), wk: try lin("\(p).attn_k", kvDim, c.dim),
                         wv: try lin("\(p).attn_v", kvDim, c.dim), wo: try lin("\(p).attn_output", c.dim, qDim),
                         ffnNorm: try norm("\(p).ffn_norm.weight"),
                         gate: try lin("\(p).ffn_gate", c.ffnDim, c.dim), up: try lin("\(p).ffn_up", c.ffnDim, c.dim),
                         down: try lin("\(p).ffn_down", c.dim, c.ffnDim))
        }
        outputNorm = try norm("output_norm.weight")
        if w.contains("output.weight") {
            output = try lin("output", c.vocabSize, c.dim)
            embedding = fileEmbedding
        } else {  // tied: lookups read the original rows, or the copy when it is one (F16/BF16)
            let packed = fileEmbedding.packedForInference(pool: pool)
            output = Linear(weight: packed)
            embedding = packed.rowMajorCopy ?? fileEmbedding
        }
        let factors = w.contains("rope_freqs.weight") ? try w.vector("rope_freqs.weight") : nil
        rope = RotaryEmbedding(dimensions: c.ropeDimensions, base: c.ropeBase, positionScale: c.ropePositionScale,
                               frequencyFactors: factors, order: c.ropeNeox ? .neox : .normal)
        scratch = Scratch(config: c, threads: pool.threadCount)
        var n = embedding.rows * embedding.cols + c.dim
        for b in blocks {
            for l in [b.wq, b.wk, b.wv, b.wo, b.gate, b.up, b.down] { n += l.weight.rows * l.weight.cols + (l.bias?.count ?? 0) }
            n += 2 * c.dim
        }
        if w.contains("output.weight") { n += output.weight.rows * output.weight.cols }
        parameterCount = n
    }

    public func makeCache(capacity: Int, precision: KVCache.Precision) -> KVCache {
        KVCache(layers: config.layers, capacity: min(capacity, config.contextLength), kvDim: config.kvHeads * config.headDim, precision: precision)
    }

    public func forward(_ tokens: [Int32], cache: KVCache, allLogits: Bool) throws -> [Float] {
        guard !tokens.isEmpty else { return [] }
        precondition(cache.capacity <= scratch.scoreStride, "cache capacity exceeds the model's context")
        guard cache.count + tokens.count <= cache.capacity else {
            throw ModelError.contextFull(needed: cache.count + tokens.count, capacity: cache.capacity)
        }
        for t in tokens where t < 0 || Int(t) >= config.vocabSize {
            throw ModelError.tokenOutOfRange(id: t, vocab: config.vocabSize)
        }
        let V = config.vocabSize
        var logits = [Float](repeating: 0, count: (allLogits ? tokens.count : 1) * V)
        var start = 0
        while start < tokens.count {
            let n = min(Scratch.chunk, tokens.count - start)
            let last = start + n == tokens.count
            try logits.withUnsafeMutableBufferPointer { out in
                let dst = out.baseAddress! + (allLogits ? start * V : 0)
                let rows = allLogits ? Array(0..<n) : (last ? [n - 1] : [])
                try forwardChunk(tokens[start..<start + n], segments: [Segment(cache: cache, rows: 0..<n)],
                                 logitRows: rows, logits: dst)
            }
            start += n
        }
        return logits
    }

    /// Runs `count` rows of input embeddings (count·dim floats) through the model into `cache`, as
    /// if they were tokens (prompt tuning's virtual tokens). No logits.
    public func prefill(embeddings: [Float], count: Int, cache: KVCache) throws {
        let D = config.dim
        precondition(embeddings.count == count * D, "embeddings must be count x dim")
        guard cache.count + count <= cache.capacity else { throw ModelError.contextFull(needed: cache.count + count, capacity: cache.capacity) }
        var start = 0
        while start < count {
            let n = min(Scratch.chunk, count - start)
            try embeddings.withUnsafeBufferPointer { e in
                try forwardChunk(ArraySlice(repeating: 0, count: n), embeddings: e.baseAddress! + start * D,
                                 segments: [Segment(cache: cache, rows: 0..<n)], logitRows: [], logits: nil)
            }
            start += n
        }
    }

    /// One decoding step for several independent sequences at once: token i is appended to
    /// caches[i]. Every weight is read once for the whole batch. Returns one logits row per sequence.
    public func decodeBatch(_ tokens: [Int32], caches: [KVCache]) throws -> [Float] {
        precondition(tokens.count == caches.count, "one token per cache")
        guard !tokens.isEmpty else { return [] }
        guard tokens.count <= Scratch.chunk else {
            throw ModelError.invalidConfig(origin: "decodeBatch", message: "at most \(Scratch.chunk) sequences per step")
        }
        for (t, c) in zip(tokens, caches) {
            guard c.count + 1 <= c.capacity else { throw ModelError.contextFull(needed: c.count + 1, capacity: c.capacity) }
            guard t >= 0, Int(t) < config.vocabSize else { throw ModelError.tokenOutOfRange(id: t, vocab: config.vocabSize) }
        }
        guard Set(caches.map { ObjectIdentifier($0) }).count == caches.count else {
            throw ModelError.invalidConfig(origin: "decodeBatch", message: "each sequence needs its own cache")
        }
        var logits = [Float](repeating: 0, count: tokens.count * config.vocabSize)
        try logits.withUnsafeMutableBufferPointer { out in
            // Batch-invariant steps run the single-token (lane-order) kernels for every sequence.
            let act: ActivationPrecision = activations != .int8 ? activations
                : !batchInvariant && tokens.count > 1 ? .int8Blocked : .int8Lanes
            try forwardChunk(tokens[...], segments: caches.enumerated().map { Segment(cache: $0.element, rows: $0.offset..<$0.offset + 1) },
                             logitRows: Array(tokens.indices), logits: out.baseAddress!, activations: act)
        }
        return logits
    }

    /// Attention of layer `l` when every segment is one token (decoding one or more sequences):
    /// one tk_attention_decode call over all their caches. `counts` holds each cache's positions
    /// including the new token (`decodeCounts`). False when the kernel does not apply (then the
    /// caller runs tk_attention per segment).
    /// The next layer's caches are warmed meanwhile (tk_attention_decode_warm, AVX-512): read one
    /// layer later, they then come from L2/L3 instead of memory.
    private func decodeAttention(layer l: Int, segments: [Segment], counts: [Int64], scale: Float) -> Bool {
        let c = config, s = scratch, n = segments.count, next = l + 1 < c.layers
        return withUnsafeTemporaryAllocation(of: UnsafeRawPointer?.self, capacity: 4 * n) { p in
            for (i, seg) in segments.enumerated() {
                p[i] = UnsafeRawPointer(seg.cache.layerKeys(l))
                p[n + i] = UnsafeRawPointer(seg.cache.layerValues(l))
                p[2 * n + i] = next ? UnsafeRawPointer(seg.cache.layerKeys(l + 1)) : nil
                p[3 * n + i] = next ? UnsafeRawPointer(seg.cache.layerValues(l + 1)) : nil
            }
            return tk_attention_decode_warm(s.attn, s.q, p.baseAddress!, p.baseAddress! + n, p.baseAddress! + 2 * n,
                                            p.baseAddress! + 3 * n, counts, Int64(n),
                                            segments[0].cache.precision == .f16 ? 1 : 0, Int64(c.heads), Int64(c.kvHeads),
                                            Int64(c.headDim), scale, pool.raw) == 0
        }
    }

    /// Positions per cache after this step when every segment is one token in rows 0..<count with
    /// one cache precision (decoding), else nil.
    private func decodeCounts(_ segments: [Segment]) -> [Int64]? {
        guard let precision = segments.first?.cache.precision,
              segments.enumerated().allSatisfy({ $0.element.rows == $0.offset..<$0.offset + 1 && $0.element.cache.precision == precision })
        else { return nil }
        return segments.map { Int64($0.cache.count + 1) }  // the new token is stored before attention
    }

    /// Rows of a chunk that continue one sequence (one cache).
    struct Segment {
        let cache: KVCache
        let rows: Range<Int>
    }

    /// One chunk of at most Scratch.chunk rows, made of segments that each continue one cache.
    /// The rows are the tokens' embeddings, or `embeddings` when given. Writes the logits of
    /// `logitRows` (in order) to `logits`.
    private func forwardChunk(_ tokens: ArraySlice<Int32>, embeddings: UnsafePointer<Float>? = nil, segments: [Segment],
                              logitRows: [Int], logits: UnsafeMutablePointer<Float>?,
                              activations: ActivationPrecision? = nil) throws {
        let c = config, s = scratch, T = tokens.count, D = c.dim
        let activations = activations ?? self.activations
        let qDim = c.heads * c.headDim, kvDim = c.kvHeads * c.headDim
        if let embeddings {
            s.x.update(from: embeddings, count: T * D)                                             // x: (T, D)
        } else {
            for (t, id) in tokens.enumerated() { embedding.row(Int(id), into: s.x + t * D) }       // x: (T, D)
        }
        let scale = 1 / Float(c.headDim).squareRoot()
        let counts = decodeCounts(segments)
        for seg in segments {  // RoPE cos/sin of every row's position, once for all layers
            rope.table(into: s.rope + seg.rows.lowerBound * rope.dimensions, tokens: seg.rows.count, firstPosition: seg.cache.count)
        }
        for (l, b) in blocks.enumerated() {
            b.attnNorm(s.x, tokens: T, into: s.h)                                                     // (T, D)
            b.qkv(s.h, tokens: T, into: s.qkvOut, pool: pool, activations: activations)               // q (T, H·Dh), k, v (T, Hkv·Dh)
            for seg in segments {
                let r0 = seg.rows.lowerBound, n = seg.rows.count, pos0 = seg.cache.count
                let cs = UnsafePointer(s.rope + r0 * rope.dimensions)
                rope.apply(s.q + r0 * qDim, tokens: n, heads: c.heads, headDim: c.headDim, table: cs)
                rope.apply(s.k + r0 * kvDim, tokens: n, heads: c.kvHeads, headDim: c.headDim, table: cs)
                seg.cache.store(layer: l, start: pos0, tokens: n, k: s.k + r0 * kvDim, v: s.v + r0 * kvDim)
            }
            if !(counts.map { decodeAttention(layer: l, segments: segments, counts: $0, scale: scale) } ?? false) {
                for seg in segments {
                    let r0 = seg.rows.lowerBound, n = seg.rows.count, pos0 = seg.cache.count
                    tk_attention(s.attn + r0 * qDim, s.q + r0 * qDim, seg.cache.layerKeys(l), seg.cache.layerValues(l),
                                 seg.cache.precision == .f16 ? 1 : 0, Int64(n), Int64(c.heads), Int64(c.kvHeads),
                                 Int64(c.headDim), Int64(pos0), scale, s.scores, Int64(s.scoreStride), pool.raw) // (n, H·Dh)
                }
            }
            b.wo(s.attn, tokens: T, into: s.h, pool: pool, activations: activations)                  // (T, D)
            sublayerHook?.sublayerOutput(layer: l, sublayer: .attention, s.h, tokens: T)
            tk_add(s.x, s.h, Int64(T * D))
            b.ffnNorm(s.x, tokens: T, into: s.h)
            b.gateUp(s.h, tokens: T, into: s.gateUpOut, pool: pool, activations: activations)         // (T, F) each
            tk_swiglu(s.gate, s.gate, s.up, Int64(T * c.ffnDim))
            b.down(s.gate, tokens: T, into: s.h, pool: pool, activations: activations)                // (T, D)
            sublayerHook?.sublayerOutput(layer: l, sublayer: .mlp, s.h, tokens: T)
            tk_add(s.x, s.h, Int64(T * D))
        }
        for seg in segments { seg.cache.count += seg.rows.count }
        guard !logitRows.isEmpty, let logits else { return }
        for (i, r) in logitRows.enumerated() { outputNorm(s.x + r * D, tokens: 1, into: s.h + i * D) } // (R, D)
        output(s.h, tokens: logitRows.count, into: logits, pool: pool, activations: activations)       // (R, V)
    }
}

/// Reused activation buffers for one chunk of tokens.
final class Scratch {
    static let chunk = 256
    let x, h, q, k, v, attn, gate, up, scores, rope: UnsafeMutablePointer<Float>
    let scoreStride: Int
    /// [q, k, v] and [gate, up]: the outputs of the blocks' LinearGroups.
    let qkvOut: [UnsafeMutablePointer<Float>], gateUpOut: [UnsafeMutablePointer<Float>]
    private var all: [UnsafeMutablePointer<Float>] = []

    init(config c: LlamaConfig, threads: Int) {
        let T = Scratch.chunk
        func alloc(_ n: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
            p.initialize(repeating: 0, count: n)
            return p
        }
        x = alloc(T * c.dim); h = alloc(T * max(c.dim, c.heads * c.headDim))
        q = alloc(T * c.heads * c.headDim); k = alloc(T * c.kvHeads * c.headDim); v = alloc(T * c.kvHeads * c.headDim)
        attn = alloc(T * c.heads * c.headDim); gate = alloc(T * c.ffnDim); up = alloc(T * c.ffnDim)
        scoreStride = c.contextLength + T
        scores = alloc(threads * scoreStride)
        rope = alloc(T * c.headDim)  // cos/sin per row; rotary dimensions <= head size
        qkvOut = [q, k, v]
        gateUpOut = [gate, up]
        all = [x, h, q, k, v, attn, gate, up, scores, rope]
    }

    deinit { for p in all { p.deallocate() } }
}
