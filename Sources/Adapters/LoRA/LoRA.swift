// LoRA.swift: installing LoRA into a training graph and finding it again. `apply` wraps every
// linear layer whose name the config targets (through LlamaTrainingGraph.mapLinearLayers, so the
// model file knows nothing of LoRA), freezes everything else, and returns the wrappers by name.
// Row order: a graph built from a llama-arch GGUF holds q/k weights in llama.cpp's permuted row
// order (see LlamaTrainingGraph); `QKPermutation` maps LoRA B rows between that order and
// Hugging Face's for PEFT files.
import Models
import NN
import Training

/// LoRA on a LlamaTrainingGraph.
public enum LoRA {
    /// Wraps the targeted linear layers; every other parameter is frozen. Throws when nothing matches.
    @discardableResult
    public static func apply(_ config: LoRAConfig, to graph: LlamaTrainingGraph, random: RandomState?) throws -> [String: LoRALinear] {
        try config.validate()
        graph.setFrozen(true)
        var out: [String: LoRALinear] = [:]
        graph.mapLinearLayers { name, layer in
            guard config.targets(name), !(layer is LoRALinear) else { return layer }
            let l = LoRALinear(base: layer, rank: config.rank, scaling: config.scaling, dropout: config.dropout, random: random)
            out[name] = l
            return l
        }
        guard !out.isEmpty else { throw AdapterError("no layer matches --targets \(config.targetModules.joined(separator: ","))") }
        return out
    }

    /// The LoRA layers installed in `graph`, by layer name.
    public static func layers(in graph: LlamaTrainingGraph) -> [String: LoRALinear] {
        var out: [String: LoRALinear] = [:]
        graph.mapLinearLayers { name, layer in
            if let l = layer as? LoRALinear { out[name] = l }
            return layer
        }
        return out
    }

    /// Switches dropout on (training) or off (evaluation) in every LoRA layer.
    public static func setTraining(_ on: Bool, in graph: LlamaTrainingGraph) {
        for l in layers(in: graph).values { l.training = on }
    }
}

/// llama.cpp's q/k row permutation (convert_hf_to_gguf.py `LlamaModel.permute`): within each head
/// of size Dh, GGUF row 2i+j holds HF row j·Dh/2 + i (i < Dh/2, j ∈ {0, 1}).
public struct QKPermutation: Sendable {
    /// Heads of the projection (q: heads, k: kv heads) and the head size.
    public let heads: Int, headDim: Int

    public init(heads: Int, headDim: Int) { self.heads = heads; self.headDim = headDim }

    /// The HF row of GGUF row `g`.
    public func hfRow(ofGGUFRow g: Int) -> Int {
        let h = g / headDim, r = g % headDim
        return h * headDim + (r % 2) * (headDim / 2) + r / 2
    }

    /// Rows (of `cols` values) in GGUF order -> HF order.
    public func toHF(_ m: [Float], cols: Int) -> [Float] {
        var out = m
        for g in 0..<(heads * headDim) { let h = hfRow(ofGGUFRow: g); out[(h * cols)..<(h * cols + cols)] = m[(g * cols)..<(g * cols + cols)] }
        return out
    }

    /// Rows in HF order -> GGUF order.
    public func toGGUF(_ m: [Float], cols: Int) -> [Float] {
        var out = m
        for g in 0..<(heads * headDim) { let h = hfRow(ofGGUFRow: g); out[(g * cols)..<(g * cols + cols)] = m[(h * cols)..<(h * cols + cols)] }
        return out
    }

    /// The permutation for layer `name` of a GGUF-built graph, or nil when rows are not permuted
    /// (NeoX rope models such as Qwen2, layers other than q/k).
    public static func forLayer(_ name: String, config c: LlamaConfig, ggufOrder: Bool) -> QKPermutation? {
        guard ggufOrder, !c.ropeNeox else { return nil }
        if name.hasSuffix("self_attn.q_proj") { return QKPermutation(heads: c.heads, headDim: c.headDim) }
        if name.hasSuffix("self_attn.k_proj") { return QKPermutation(heads: c.kvHeads, headDim: c.headDim) }
        return nil
    }
}
