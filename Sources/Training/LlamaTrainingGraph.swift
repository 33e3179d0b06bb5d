// LlamaTrainingGraph.swift: the Llama-family decoder (Llama 2/3, SmolLM, Mistral, Qwen2) as a
// differentiable graph on a Tape, for training. Same math and conventions as the inference model
// (Models/Llama.swift): pre-norm blocks, RMSNorm, RoPE in GGUF order ("normal" adjacent pairs or
// NeoX), grouped-query causal attention, SwiGLU MLP, tied or separate output head. Parameters
// carry Hugging Face names ("model.layers.N.self_attn.q_proj.weight"), but q/k weights are in
// GGUF row order when built from GGUF (llama.cpp permutes HF's q/k rows and uses "normal" rope;
// exporting q/k weights or LoRA B matrices to HF/PEFT must undo that permutation). A checkpoint in
// HF layout instead runs unpermuted with `ropeNeox = true` (HF's rotate_half). Dimensions: B sequences of T tokens (rows r = b·T + t at position t), D width, H/Hkv
// heads of Dh, F ffn width, V vocabulary.
// Adapters attach through `hooks` (GraphHooks.swift) and `mapLinearLayers`; this file has no method code.
// Limits: every sequence in a batch has the same length T and starts at position 0 (pad and mask
// labels with -100); activations are kept for the whole batch (no recomputation/checkpointing).
import Models
import NN
import Tensor

/// A trainable Llama-family decoder.
public final class LlamaTrainingGraph: Module {
    /// One decoder block.
    public final class Block: Module {
        public let inputNorm: Parameter           // (D)
        public var qProj, kProj, vProj, oProj: any LinearLayer
        public let postAttentionNorm: Parameter   // (D)
        public var gateProj, upProj, downProj: any LinearLayer

        public init(inputNorm: Parameter, q: any LinearLayer, k: any LinearLayer, v: any LinearLayer, o: any LinearLayer,
                    postAttentionNorm: Parameter, gate: any LinearLayer, up: any LinearLayer, down: any LinearLayer) {
            self.inputNorm = inputNorm
            qProj = q; kProj = k; vProj = v; oProj = o
            self.postAttentionNorm = postAttentionNorm
            gateProj = gate; upProj = up; downProj = down
        }

        /// Linear layers by their name inside the block.
        var linearNames: [(String, WritableKeyPath<Block, any LinearLayer>)] {
            [("self_attn.q_proj", \.qProj), ("self_attn.k_proj", \.kProj), ("self_attn.v_proj", \.vProj),
             ("self_attn.o_proj", \.oProj), ("mlp.gate_proj", \.gateProj), ("mlp.up_proj", \.upProj),
             ("mlp.down_proj", \.downProj)]
        }

        public func namedParameters() -> [(name: String, parameter: Parameter)] {
            var out: [(name: String, parameter: Parameter)] = [("input_layernorm.weight", inputNorm)]
            for (n, kp) in linearNames { out += self[keyPath: kp].namedParameters(prefix: n) }
            out.append(("post_attention_layernorm.weight", postAttentionNorm))
            return out.sorted { $0.name < $1.name }
        }
    }

    public let config: LlamaConfig
    public let embedTokens: Parameter             // (V, D)
    public var layers: [Block]
    public let norm: Parameter                    // (D)
    /// The output head; nil when it is tied to `embedTokens`.
    public var lmHead: (any LinearLayer)?
    public let rope: RopeSpec
    /// Adapters attached at the hook points (see GraphHooks.swift), applied in order.
    public var hooks: [any GraphHook] = []

    public init(config: LlamaConfig, embedTokens: Parameter, layers: [Block], norm: Parameter, lmHead: (any LinearLayer)?,
                ropeFrequencyFactors: [Float]? = nil) {
        self.config = config
        self.embedTokens = embedTokens
        self.layers = layers
        self.norm = norm
        self.lmHead = lmHead
        rope = RopeSpec(dimensions: config.ropeDimensions, base: config.ropeBase, positionScale: config.ropePositionScale,
                        frequencyFactors: ropeFrequencyFactors, neox: config.ropeNeox)
    }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        var out: [(name: String, parameter: Parameter)] = [("model.embed_tokens.weight", embedTokens)]
        for (i, b) in layers.enumerated() { out += b.namedParameters(prefix: "model.layers.\(i)") }
        out.append(("model.norm.weight", norm))
        if let lmHead { out += lmHead.namedParameters(prefix: "lm_head") }
        return out
    }

    /// Calls `transform` on every linear layer with its full name (e.g. "model.layers.3.mlp.up_proj",
    /// "lm_head") and installs what it returns: how adapters wrap layers from outside this file.
    public func mapLinearLayers(_ transform: (String, any LinearLayer) throws -> any LinearLayer) rethrows {
        for i in layers.indices {
            var b = layers[i]
            for (n, kp) in b.linearNames { b[keyPath: kp] = try transform("model.layers.\(i).\(n)", b[keyPath: kp]) }
        }
        if let h = lmHead { lmHead = try transform("lm_head", h) }
    }

    /// Logits (B·T, V) for `tokens` (B·T, row-major: B sequences of T tokens).
    public func logits(tokens: [Int32], batch B: Int, tape: Tape) throws -> Variable {
        head(try hidden(tokens: tokens, batch: B, tape: tape), tape: tape)
    }

    /// The output head on final hidden states: (N, D) -> (N, V).
    func head(_ x: Variable, tape: Tape) -> Variable {
        lmHead?.forward(x, tape: tape) ?? tape.linear(x, embedTokens)                     // (N, V)
    }

    /// Final normalized hidden states (B·T, D).
    public func hidden(tokens: [Int32], batch B: Int, tape: Tape) throws -> Variable {
        let c = config, V = embedTokens.shape[0]
        precondition(B > 0 && tokens.count % B == 0, "\(tokens.count) tokens do not split into \(B) sequences")
        for t in tokens where t < 0 || Int(t) >= V { throw ModelError.tokenOutOfRange(id: t, vocab: V) }
        var T = tokens.count / B
        var x = tape.embedding(tokens, embedTokens)                                       // (B·T, D)
        var virtual = 0
        for hook in hooks {
            guard let e = hook.virtualTokens(tape: tape) else { continue }                // (N, D)
            x = tape.prependRows(e, to: x, batch: B)                                      // (B·(N+T), D)
            virtual += e.shape[0]; T += e.shape[0]
        }
        let prefixes = layers.indices.map { l in hooks.compactMap { $0.attentionPrefix(layer: l, tape: tape) } }
        let P = prefixes.first.map { $0.reduce(0) { $0 + $1.keys.shape[0] } } ?? 0
        let positions = (0..<(B * T)).map { P + $0 % T }
        for (l, blk) in layers.enumerated() {
            var h = tape.rmsNorm(x, weight: blk.inputNorm, eps: c.normEps)                 // (B·T, D)
            var q = blk.qProj.forward(h, tape: tape)                                      // (B·T, H·Dh)
            var k = blk.kProj.forward(h, tape: tape)                                      // (B·T, Hkv·Dh)
            var v = blk.vProj.forward(h, tape: tape)                                      // (B·T, Hkv·Dh)
            q = tape.rope(q, positions: positions, heads: c.heads, headDim: c.headDim, spec: rope)
            k = tape.rope(k, positions: positions, heads: c.kvHeads, headDim: c.headDim, spec: rope)
            for p in prefixes[l].reversed() {                                             // (B·(P+T), Hkv·Dh)
                k = tape.prependRows(p.keys, to: k, batch: B); v = tape.prependRows(p.values, to: v, batch: B)
            }
            precondition(k.count == B * (P + T) * c.kvHeads * c.headDim, "every layer needs the same prefix length")
            let a = tape.causalAttention(q: q, k: k, v: v, batch: B, heads: c.heads, kvHeads: c.kvHeads,
                                         headDim: c.headDim, prefix: P)                   // (B·T, H·Dh)
            var o = blk.oProj.forward(a, tape: tape)                                      // (B·T, D)
            for hook in hooks { o = hook.attentionOutput(layer: l, o, tape: tape) }
            x = tape.add(x, o)                                                            // (B·T, D)
            h = tape.rmsNorm(x, weight: blk.postAttentionNorm, eps: c.normEps)            // (B·T, D)
            let m = tape.swiglu(gate: blk.gateProj.forward(h, tape: tape),
                                up: blk.upProj.forward(h, tape: tape))                    // (B·T, F)
            var d = blk.downProj.forward(m, tape: tape)                                   // (B·T, D)
            for hook in hooks { d = hook.mlpOutput(layer: l, d, tape: tape) }
            x = tape.add(x, d)                                                            // (B·T, D)
        }
        if virtual > 0 { x = tape.dropLeadingRows(x, count: virtual, batch: B) }          // (B·T₀, D)
        return tape.rmsNorm(x, weight: norm, eps: c.normEps)                              // (B·T, D)
    }

    /// Mean next-token cross-entropy. `targets[r]` is the label of row r (already shifted: the
    /// token that follows row r), or -100 to leave the row out of the loss.
    public func loss(tokens: [Int32], targets: [Int32], batch B: Int, tape: Tape) throws -> Variable {
        precondition(targets.count == tokens.count, "\(targets.count) targets for \(tokens.count) tokens")
        // Only rows with a label reach the vocabulary projection (the largest matrix product of a
        // step; with prompt masking most rows have none). Same loss and gradients as all rows.
        let x = try hidden(tokens: tokens, batch: B, tape: tape)                          // (B·T, D)
        let rows = targets.indices.filter { targets[$0] != -100 }
        if rows.count == targets.count {
            return try tape.crossEntropy(head(x, tape: tape), targets: targets, ignoreIndex: -100)
        }
        let picked = tape.gatherRows(x, rows: rows)                                       // (N, D)
        return try tape.crossEntropy(head(picked, tape: tape), targets: rows.map { targets[$0] }, ignoreIndex: -100)
    }
}
