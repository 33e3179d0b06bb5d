// LlamaTrainingGraph+Load.swift: builds a LlamaTrainingGraph from named tensors: Hugging Face
// names (a safetensors checkpoint, the grad fixture) or GGUF names through a WeightSource (the
// models Tailor runs). From GGUF, the base either becomes trainable f32 Parameters (full
// fine-tuning: weights dequantized) or stays frozen in its stored type (FrozenLinear, for LoRA /
// QLoRA on a quantized base). Shapes are checked; errors name the tensor.
import Formats
import Models
import NN
import Tensor

extension LlamaTrainingGraph {
    /// What happens to base weights loaded from a GGUF file.
    public enum BaseWeights: Sendable {
        /// Dequantized to trainable f32 parameters (full fine-tuning).
        case trainable
        /// Kept frozen: linear weights stay in their stored (quantized) type, norms and the
        /// embedding become frozen f32 parameters.
        case frozen
    }

    /// Builds the graph from tensors under Hugging Face names ("model.layers.0.self_attn.q_proj.weight");
    /// `tensor` returns nil for a missing name. Without "lm_head.weight" the output is tied.
    public convenience init(config c: LlamaConfig, origin: String = "weights", tensor: (String) throws -> FloatTensor?) throws {
        func load(_ name: String, _ shape: [Int]) throws -> Parameter {
            guard let t = try tensor(name) else { throw ModelError.missingTensor(origin: origin, name: name) }
            guard t.count == shape.reduce(1, *), t.shape.count == shape.count || t.shape == [t.count] else {
                throw ModelError.badTensor(origin: origin, name: name, message: "shape \(t.shape), expected \(shape)")
            }
            return Parameter(t.reshaped(shape))
        }
        func linear(_ name: String, _ out: Int, _ inp: Int) throws -> DenseLinear {
            let bias = try tensor("\(name).bias").map { _ in try load("\(name).bias", [out]) }
            return DenseLinear(weight: try load("\(name).weight", [out, inp]), bias: bias)
        }
        let q = c.heads * c.headDim, kv = c.kvHeads * c.headDim
        let embed = try load("model.embed_tokens.weight", [c.vocabSize, c.dim])
        let blocks = try (0..<c.layers).map { i -> Block in
            let p = "model.layers.\(i)"
            return Block(inputNorm: try load("\(p).input_layernorm.weight", [c.dim]),
                         q: try linear("\(p).self_attn.q_proj", q, c.dim), k: try linear("\(p).self_attn.k_proj", kv, c.dim),
                         v: try linear("\(p).self_attn.v_proj", kv, c.dim), o: try linear("\(p).self_attn.o_proj", c.dim, q),
                         postAttentionNorm: try load("\(p).post_attention_layernorm.weight", [c.dim]),
                         gate: try linear("\(p).mlp.gate_proj", c.ffnDim, c.dim), up: try linear("\(p).mlp.up_proj", c.ffnDim, c.dim),
                         down: try linear("\(p).mlp.down_proj", c.dim, c.ffnDim))
        }
        let head = try tensor("lm_head.weight") != nil ? try linear("lm_head", c.vocabSize, c.dim) : nil
        self.init(config: c, embedTokens: embed, layers: blocks, norm: try load("model.norm.weight", [c.dim]), lmHead: head)
    }

    /// Builds the graph from a safetensors file with Hugging Face names (F32, F16, BF16 or F64).
    public convenience init(config: LlamaConfig, safetensors f: SafetensorsFile) throws {
        try self.init(config: config, origin: f.path) { name in
            guard let info = f.tensorInfo(name) else { return nil }
            return FloatTensor(shape: info.shape, values: try f.floats(name))
        }
    }

    /// Builds the graph from GGUF-named tensors (what LlamaModel reads), e.g. a GGUFWeights.
    public convenience init(config c: LlamaConfig, weights w: WeightSource, base: BaseWeights) throws {
        let frozen = base == .frozen
        func vector(_ name: String, _ n: Int) throws -> Parameter {
            let v = try w.vector(name)
            guard v.count == n else { throw ModelError.badTensor(origin: "model", name: name, message: "length \(v.count), expected \(n)") }
            return Parameter(shape: [n], values: v, frozen: frozen)
        }
        func linear(_ name: String, _ rows: Int, _ cols: Int) throws -> any LinearLayer {
            let m = try w.matrix("\(name).weight")
            guard m.rows == rows, m.cols == cols else {
                throw ModelError.badTensor(origin: "model", name: "\(name).weight", message: "shape (\(m.rows), \(m.cols)), expected (\(rows), \(cols))")
            }
            let bias = w.contains("\(name).bias") ? try vector("\(name).bias", rows) : nil
            if frozen { return FrozenLinear(weight: m, bias: bias) }
            return DenseLinear(weight: Parameter(shape: [rows, cols], values: m.dequantized()), bias: bias)
        }
        let q = c.heads * c.headDim, kv = c.kvHeads * c.headDim
        let e = try w.matrix("token_embd.weight")
        guard e.cols == c.dim, e.rows >= c.vocabSize else {
            throw ModelError.badTensor(origin: "model", name: "token_embd.weight", message: "shape (\(e.rows), \(e.cols)), expected (\(c.vocabSize), \(c.dim))")
        }
        let embed = Parameter(shape: [e.rows, e.cols], values: e.dequantized(), frozen: frozen)
        let blocks = try (0..<c.layers).map { i -> Block in
            let p = "blk.\(i)"
            return Block(inputNorm: try vector("\(p).attn_norm.weight", c.dim),
                         q: try linear("\(p).attn_q", q, c.dim), k: try linear("\(p).attn_k", kv, c.dim),
                         v: try linear("\(p).attn_v", kv, c.dim), o: try linear("\(p).attn_output", c.dim, q),
                         postAttentionNorm: try vector("\(p).ffn_norm.weight", c.dim),
                         gate: try linear("\(p).ffn_gate", c.ffnDim, c.dim), up: try linear("\(p).ffn_up", c.ffnDim, c.dim),
                         down: try linear("\(p).ffn_down", c.dim, c.ffnDim))
        }
        let head = w.contains("output.weight") ? try linear("output", c.vocabSize, c.dim) : nil
        let factors = w.contains("rope_freqs.weight") ? try w.vector("rope_freqs.weight") : nil
        self.init(config: c, embedTokens: embed, layers: blocks, norm: try vector("output_norm.weight", c.dim), lmHead: head,
                  ropeFrequencyFactors: factors)
    }
}
