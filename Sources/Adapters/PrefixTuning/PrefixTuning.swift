// PrefixTuning.swift: prefix tuning (Li & Liang 2021, "Prefix-Tuning: Optimizing Continuous
// Prompts for Generation"): P trainable key/value rows per layer that every query attends to,
// through the graph's `attentionPrefix` hook (no RoPE on them; real tokens at positions P ...,
// as PEFT with transformers' past_key_values). Layout as PEFT's PrefixEncoder: one matrix
// (P, L·2·Hkv·Dh), row p = [layer 0 keys | layer 0 values | layer 1 keys | ...]. Optional
// reparameterization (prefixHidden > 0): kv = W2·tanh(W1·e + b1) + b2 from e (P, Hkv·Dh), folded
// into the plain matrix at save time. PEFT folder: peft_type PREFIX_TUNING, "prompt_embeddings"
// (P, L·2·Hkv·Dh); key columns in HF order (llama.cpp's q/k permutation undone per head).
import Foundation
import Formats
import NN
import Tensor
import Training

/// Trainable attention prefixes.
public final class PrefixTuningAdapter: Adapter, GraphHook {
    public let embedding: Parameter                // (P, L·2·Kd), or (P, Kd) with the MLP
    public let mlp: (w1: Parameter, b1: Parameter, w2: Parameter, b2: Parameter)?
    public let layers: Int, kvDim: Int
    public var isEnabled = true
    public var method: String { "prefix" }
    private weak var cachedTape: Tape?
    private var cached: Variable?

    public init(embedding: Parameter, mlp: (w1: Parameter, b1: Parameter, w2: Parameter, b2: Parameter)?, layers: Int, kvDim: Int) {
        self.embedding = embedding; self.mlp = mlp; self.layers = layers; self.kvDim = kvDim
    }

    public var virtualTokens: Int { embedding.shape[0] }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        var out: [(name: String, parameter: Parameter)] = [("prefix.embedding.weight", embedding)]
        if let m = mlp {
            out += [("prefix.transform.0.weight", m.w1), ("prefix.transform.0.bias", m.b1), ("prefix.transform.2.weight", m.w2),
                    ("prefix.transform.2.bias", m.b2)]
        }
        return out
    }

    /// All layers' prefixes (P, L·2·Kd) on `tape` (computed once per tape).
    func keyValues(tape: Tape) -> Variable {
        if let c = cached, cachedTape === tape { return c }
        var kv: Variable = embedding
        if let m = mlp { kv = tape.addBias(tape.linear(tape.tanh(tape.addBias(tape.linear(embedding, m.w1), m.b1)), m.w2), m.b2) }
        cached = kv; cachedTape = tape
        return kv
    }

    public func attentionPrefix(layer: Int, tape: Tape) -> (keys: Variable, values: Variable)? {
        guard isEnabled else { return nil }
        let kv = keyValues(tape: tape)
        return (tape.sliceColumns(kv, start: 2 * layer * kvDim, count: kvDim), tape.sliceColumns(kv, start: (2 * layer + 1) * kvDim, count: kvDim))
    }

    /// Sets the prefixes (plain, no MLP) to per-layer keys and values (P·Kd floats each, rotated
    /// keys as a KV cache holds them): Li & Liang's initialization from the activations of real
    /// words, which starts training from prefixes the model already reads as text.
    public func initialize(keys: [[Float]], values: [[Float]]) throws {
        guard mlp == nil else { throw AdapterError("prefix initialization from text needs --prefix-hidden 0") }
        let P = virtualTokens, kd = kvDim
        guard keys.count == layers, values.count == layers, keys.allSatisfy({ $0.count == P * kd }), values.allSatisfy({ $0.count == P * kd }) else {
            throw AdapterError("prefix initialization: expected \(layers) layers of \(P) x \(kd) keys and values")
        }
        var out = [Float](repeating: 0, count: P * layers * 2 * kd)
        for p in 0..<P {
            for l in 0..<layers {
                let row = p * layers * 2 * kd + 2 * l * kd
                for j in 0..<kd { out[row + j] = keys[l][p * kd + j]; out[row + kd + j] = values[l][p * kd + j] }
            }
        }
        embedding.value.assign(FloatTensor(shape: embedding.shape, values: out))
        cached = nil
    }

    /// Every layer's prefix keys and values (P·Hkv·Dh floats each, graph row order = the inference
    /// model's), for pre-filling a KV cache (generation through the inference model).
    public func cacheRows() -> (keys: [[Float]], values: [[Float]]) {
        let t = Tape(pool: nil, recording: false)
        let kv = (0..<layers).map { attentionPrefix(layer: $0, tape: t)! }
        cached = nil
        return (kv.map { $0.keys.value.array }, kv.map { $0.values.value.array })
    }

    /// Attaches P prefixes per layer (with a reparameterization MLP of width `hidden` when > 0).
    public static func apply(virtualTokens p: Int, hidden: Int, to graph: LlamaTrainingGraph, random: RandomState?) throws -> PrefixTuningAdapter {
        guard p >= 1 else { throw AdapterError("--virtual-tokens must be >= 1 (got \(p))") }
        guard hidden >= 0 else { throw AdapterError("--prefix-hidden must be >= 0") }
        let c = graph.config, kd = c.kvHeads * c.headDim, full = c.layers * 2 * kd
        let rng = random ?? RandomState(seed: 0)
        func normals(_ n: Int) -> [Float] {
            (0..<n).map { _ in let u = max(rng.uniform(), 1e-7), v = rng.uniform(); return (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Float.pi * v) }
        }
        func uniform(_ n: Int, fanIn: Int) -> [Float] { (0..<n).map { _ in (rng.uniform() * 2 - 1) / Float(fanIn).squareRoot() } }
        graph.setFrozen(true)
        let a: PrefixTuningAdapter
        if hidden > 0 {
            let e = Parameter(shape: [p, kd], values: normals(p * kd))
            let m = (Parameter(shape: [hidden, kd], values: uniform(hidden * kd, fanIn: kd)), Parameter(shape: [hidden], values: uniform(hidden, fanIn: kd)),
                     Parameter(shape: [full, hidden], values: uniform(full * hidden, fanIn: hidden)), Parameter(shape: [full], values: uniform(full, fanIn: hidden)))
            a = PrefixTuningAdapter(embedding: e, mlp: m, layers: c.layers, kvDim: kd)
        } else {
            a = PrefixTuningAdapter(embedding: Parameter(shape: [p, full], values: normals(p * full)), mlp: nil, layers: c.layers, kvDim: kd)
        }
        graph.hooks.append(a)
        return a
    }

    /// Key columns between the graph's order and HF's (nil permutation: identity).
    static func permuteKeys(_ m: [Float], rows: Int, layers: Int, kvDim: Int, perm: QKPermutation?, toHF: Bool) -> [Float] {
        guard let perm else { return m }
        var out = m
        let cols = layers * 2 * kvDim
        for r in 0..<rows { for l in 0..<layers { for g in 0..<kvDim {
            let base = r * cols + 2 * l * kvDim, h = perm.hfRow(ofGGUFRow: g)
            if toHF { out[base + h] = m[base + g] } else { out[base + g] = m[base + h] }
        } } }
        return out
    }

    static func keyPermutation(_ ctx: AdapterContext) -> QKPermutation? {
        QKPermutation.forLayer("self_attn.k_proj", config: ctx.graphConfig, ggufOrder: ctx.ggufOrder)
    }

    /// Writes the folded prefixes as a PEFT folder (prefix_projection false: PEFT also saves the MLP's output).
    public func save(to directory: String, context: AdapterContext) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let kv = keyValues(tape: Tape(pool: nil, recording: false)).value.array
        cached = nil
        let p = virtualTokens
        let hf = Self.permuteKeys(kv, rows: p, layers: layers, kvDim: kvDim, perm: Self.keyPermutation(context), toHF: true)
        var w = SafetensorsWriter(metadata: ["format": "pt"])
        w.add("prompt_embeddings", floats: hf, shape: [p, layers * 2 * kvDim])
        try w.write(to: directory + "/" + PEFTFolder.weightsFile)
        let c = context.graphConfig
        let cfg: [String: AnyCodable] = ["peft_type": "PREFIX_TUNING", "task_type": "CAUSAL_LM", "num_virtual_tokens": .int(p),
                                         "token_dim": .int(kvDim), "num_transformer_submodules": 1, "num_attention_heads": .int(c.kvHeads),
                                         "num_layers": .int(c.layers), "prefix_projection": false, "inference_mode": true,
                                         "encoder_hidden_size": .int(mlp?.w1.shape[0] ?? c.dim),
                                         "base_model_name_or_path": context.baseModel.map { .string($0) } ?? .null]
        try writeJSON(cfg, to: directory + "/" + PEFTFolder.configFile)
    }

    public static func load(_ directory: String, into graph: LlamaTrainingGraph, context: AdapterContext) throws -> PrefixTuningAdapter {
        let path = directory + "/" + PEFTFolder.weightsFile
        let f = try SafetensorsFile(path: path)
        let c = graph.config, kd = c.kvHeads * c.headDim, full = c.layers * 2 * kd
        guard let info = f.tensorInfo("prompt_embeddings"), info.shape.count == 2, info.shape[1] == full else {
            throw AdapterError("\(path): needs 'prompt_embeddings' (P, \(full)) = (P, layers·2·kv_heads·head_dim)")
        }
        let v = permuteKeys(try f.floats("prompt_embeddings"), rows: info.shape[0], layers: c.layers, kvDim: kd,
                            perm: keyPermutation(context), toHF: false)
        graph.setFrozen(true)
        let a = PrefixTuningAdapter(embedding: Parameter(shape: info.shape, values: v), mlp: nil, layers: c.layers, kvDim: kd)
        graph.hooks.append(a)
        return a
    }

    public static let entry = AdapterMethod(
        name: "prefix", summary: "prefix tuning: trainable key/value prefixes in every layer (PEFT PREFIX_TUNING)",
        attach: { o, g, _, rng in try PrefixTuningAdapter.apply(virtualTokens: o.virtualTokens, hidden: o.prefixHidden, to: g, random: rng) },
        load: { dir, g, ctx in try PrefixTuningAdapter.load(dir, into: g, context: ctx) },
        recognizes: { ($0["peft_type"] as? String) == "PREFIX_TUNING" })
}
