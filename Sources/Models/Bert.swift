// Bert.swift: a BERT encoder (transformers' BertModel, post-LayerNorm, exact-erf GELU, absolute
// positions) for sentence embeddings. Sequences run packed, without padding: the rows of all
// sequences are concatenated, GEMMs run over every row at once (BLAS), and attention only sees
// keys of its own sequence (tk_bert_attention). Weights are copied to f32 at load (Q, K and V
// fused into one (3C, C) matrix). Tensor names are BertModel's, with or without a "bert." prefix.
// Dimension vocabulary: N = total tokens of the batch, C = hidden, F = intermediate, H = heads.
// Limits: token type 0 only (single sentences); no pooler head.
import CKernels
import Tensor

/// A BERT encoder that maps token ids to contextual hidden states.
public final class BertEncoder: @unchecked Sendable {
    public let config: BertConfig
    let pool: ThreadPool
    let wordEmb, posEmb, typeEmb, embLnW, embLnB: [Float]
    let layers: [Layer]

    struct Layer {
        var qkvW: [Float], qkvB: [Float]     // (3C, C), (3C)
        var outW: [Float], outB: [Float]     // (C, C)
        var ln1W: [Float], ln1B: [Float]
        var upW: [Float], upB: [Float]       // (F, C)
        var downW: [Float], downB: [Float]   // (C, F)
        var ln2W: [Float], ln2B: [Float]
    }

    /// Reads the weights named as transformers' BertModel from `weights`.
    public init(config c: BertConfig, weights w: WeightSource, pool: ThreadPool) throws {
        config = c
        self.pool = pool
        let prefix = w.contains("bert.embeddings.word_embeddings.weight") ? "bert." : ""
        func mat(_ n: String, _ rows: Int, _ cols: Int) throws -> [Float] {
            let m = try w.matrix(prefix + n)
            guard m.rows == rows, m.cols == cols else {
                throw ModelError.badTensor(origin: "bert", name: prefix + n, message: "shape (\(m.rows), \(m.cols)), expected (\(rows), \(cols))")
            }
            return m.dequantized()
        }
        func vec(_ n: String, _ count: Int) throws -> [Float] {
            let v = try w.vector(prefix + n)
            guard v.count == count else {
                throw ModelError.badTensor(origin: "bert", name: prefix + n, message: "\(v.count) elements, expected \(count)")
            }
            return v
        }
        let C = c.hiddenSize, F = c.intermediateSize
        wordEmb = try mat("embeddings.word_embeddings.weight", c.vocabSize, C)
        posEmb = try mat("embeddings.position_embeddings.weight", c.maxPositionEmbeddings, C)
        typeEmb = try mat("embeddings.token_type_embeddings.weight", c.typeVocabSize, C)
        embLnW = try vec("embeddings.LayerNorm.weight", C)
        embLnB = try vec("embeddings.LayerNorm.bias", C)
        layers = try (0..<c.numHiddenLayers).map { i in
            let p = "encoder.layer.\(i)."
            let a = p + "attention."
            return Layer(
                qkvW: try mat(a + "self.query.weight", C, C) + mat(a + "self.key.weight", C, C) + mat(a + "self.value.weight", C, C),
                qkvB: try vec(a + "self.query.bias", C) + vec(a + "self.key.bias", C) + vec(a + "self.value.bias", C),
                outW: try mat(a + "output.dense.weight", C, C), outB: try vec(a + "output.dense.bias", C),
                ln1W: try vec(a + "output.LayerNorm.weight", C), ln1B: try vec(a + "output.LayerNorm.bias", C),
                upW: try mat(p + "intermediate.dense.weight", F, C), upB: try vec(p + "intermediate.dense.bias", F),
                downW: try mat(p + "output.dense.weight", C, F), downB: try vec(p + "output.dense.bias", C),
                ln2W: try vec(p + "output.LayerNorm.weight", C), ln2B: try vec(p + "output.LayerNorm.bias", C))
        }
    }

    /// Parameters held.
    public var parameterCount: Int {
        wordEmb.count + posEmb.count + typeEmb.count + 2 * embLnW.count + layers.reduce(0) {
            $0 + $1.qkvW.count + $1.qkvB.count + $1.outW.count + $1.outB.count + $1.upW.count + $1.upB.count
                + $1.downW.count + $1.downB.count + 4 * $1.ln1W.count
        }
    }

    /// Last hidden states of each sequence, packed: returns (N, C) rows, sequence b at rows
    /// offsets[b] ..< offsets[b+1]. Every sequence must be non-empty, at most
    /// max_position_embeddings long, with ids in the vocabulary (the caller checks).
    public func forward(_ batch: [[Int32]]) -> (hidden: [Float], offsets: [Int64]) {
        let C = config.hiddenSize, F = config.intermediateSize, H = config.numAttentionHeads, Dh = config.headDim
        var offsets: [Int64] = [0]
        for s in batch { offsets.append(offsets.last! + Int64(s.count)) }
        let N = Int(offsets.last!)
        var x = [Float](repeating: 0, count: N * C)           // (N, C)
        var qkv = [Float](repeating: 0, count: N * 3 * C)     // (N, 3C)
        var att = [Float](repeating: 0, count: N * C)         // (N, C)
        var up = [Float](repeating: 0, count: N * F)          // (N, F)
        embed(batch, into: &x)
        let eps = config.layerNormEps, scale = 1 / Float(Dh).squareRoot()
        x.withUnsafeMutableBufferPointer { xp in
            qkv.withUnsafeMutableBufferPointer { qp in
                att.withUnsafeMutableBufferPointer { ap in
                    up.withUnsafeMutableBufferPointer { up in
                        let X = xp.baseAddress!, Q = qp.baseAddress!, A = ap.baseAddress!, U = up.baseAddress!
                        for l in layers {
                            linear(X, N, C, l.qkvW, l.qkvB, 3 * C, Q)                       // (N, 3C)
                            offsets.withUnsafeBufferPointer { op in
                                tk_bert_attention(A, Q, Q + C, Q + 2 * C, Int64(3 * C), Int64(batch.count),
                                                  Int64(H), Int64(Dh), op.baseAddress!, scale, pool.raw)
                            }
                            linear(A, N, C, l.outW, l.outB, C, Q)                           // (N, C) into Q
                            tk_add(Q, X, Int64(N * C))
                            tk_layernorm(X, Q, l.ln1W, l.ln1B, Int64(N), Int64(C), eps, pool.raw)
                            linear(X, N, C, l.upW, l.upB, F, U)                             // (N, F)
                            tk_gelu_erf(U, Int64(N * F), pool.raw)
                            linear(U, N, F, l.downW, l.downB, C, Q)                         // (N, C) into Q
                            tk_add(Q, X, Int64(N * C))
                            tk_layernorm(X, Q, l.ln2W, l.ln2B, Int64(N), Int64(C), eps, pool.raw)
                        }
                    }
                }
            }
        }
        return (x, offsets)
    }

    /// x = LayerNorm(word[id] + position[t] + type[0]).
    private func embed(_ batch: [[Int32]], into x: inout [Float]) {
        let C = config.hiddenSize
        var row = 0
        x.withUnsafeMutableBufferPointer { xp in
            for s in batch {
                for (t, id) in s.enumerated() {
                    let dst = xp.baseAddress! + row * C
                    wordEmb.withUnsafeBufferPointer { dst.update(from: $0.baseAddress! + Int(id) * C, count: C) }
                    posEmb.withUnsafeBufferPointer { tk_add(dst, $0.baseAddress! + t * C, Int64(C)) }
                    tk_add(dst, typeEmb, Int64(C))
                    row += 1
                }
            }
            tk_layernorm(xp.baseAddress!, xp.baseAddress!, embLnW, embLnB, Int64(row), Int64(C), config.layerNormEps, pool.raw)
        }
    }

    /// y(N, out) = x(N, inDim) · Wᵀ + b through BLAS, rows split over the pool.
    private func linear(_ x: UnsafePointer<Float>, _ n: Int, _ inDim: Int, _ w: [Float], _ b: [Float], _ out: Int,
                        _ y: UnsafeMutablePointer<Float>) {
        tk_linear_pool(y, x, w, b, Int64(n), Int64(out), Int64(inDim), pool.raw)
    }
}
