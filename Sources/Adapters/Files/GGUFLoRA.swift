// GGUFLoRA.swift: LoRA adapters as llama.cpp GGUF adapters (what convert_lora_to_gguf.py writes and
// llama_adapter_lora_init reads): general.type = "adapter", adapter.type = "lora",
// adapter.lora.alpha, and per adapted weight `blk.N.attn_q.weight.lora_a` (ggml ne [in, r], i.e.
// PyTorch shape (r, in)) and `.lora_b` (ne [r, out], shape (out, r)), B rows in GGUF (permuted
// q/k) order. llama.cpp scales by alpha / r, so rsLoRA is written as alpha·√r (same product).
// Also the name map between Hugging Face layer names and GGUF tensor names.
import Foundation
import Formats
import Models
import Training

/// Hugging Face <-> GGUF names of Llama-family linear layers.
public enum GGUFNames {
    static let map = [("self_attn.q_proj", "attn_q"), ("self_attn.k_proj", "attn_k"), ("self_attn.v_proj", "attn_v"),
                      ("self_attn.o_proj", "attn_output"), ("mlp.gate_proj", "ffn_gate"), ("mlp.up_proj", "ffn_up"),
                      ("mlp.down_proj", "ffn_down")]

    /// "model.layers.3.mlp.up_proj" -> "blk.3.ffn_up"; "lm_head" -> "output".
    public static func gguf(_ hf: String) -> String? {
        if hf == "lm_head" { return "output" }
        let p = hf.split(separator: ".", maxSplits: 3).map(String.init)
        guard p.count == 4, p[0] == "model", p[1] == "layers", let n = Int(p[2]),
              let g = map.first(where: { $0.0 == p[3] })?.1 else { return nil }
        return "blk.\(n).\(g)"
    }

    /// The inverse of `gguf`.
    public static func hf(_ gguf: String) -> String? {
        if gguf == "output" { return "lm_head" }
        let p = gguf.split(separator: ".", maxSplits: 2).map(String.init)
        guard p.count == 3, p[0] == "blk", let n = Int(p[1]), let h = map.first(where: { $0.1 == p[2] })?.0 else { return nil }
        return "model.layers.\(n).\(h)"
    }
}

/// Writing llama.cpp GGUF LoRA adapters.
public enum GGUFLoRA {
    /// Writes `tensors` (A, B by HF layer name, B in GGUF row order) as a GGUF adapter for `architecture`.
    public static func write(_ tensors: [String: (a: [Float], aShape: [Int], b: [Float], bShape: [Int])], config: LoRAConfig,
                             architecture: String, name: String? = nil, to path: String) throws {
        var w = GGUFWriter()
        w.set("general.architecture", .string(architecture))
        w.set("general.type", .string("adapter"))
        if let name { w.set("general.name", .string(name)) }
        w.set("adapter.type", .string("lora"))
        let alpha = config.useRSLoRA ? config.alpha * Float(config.rank).squareRoot() : config.alpha
        w.set("adapter.lora.alpha", .float32(alpha))
        for hf in tensors.keys.sorted(by: { (GGUFNames.gguf($0) ?? $0) < (GGUFNames.gguf($1) ?? $1) }) {
            guard let g = GGUFNames.gguf(hf) else { throw AdapterError("layer '\(hf)' has no llama.cpp tensor name") }
            let t = tensors[hf]!
            w.addTensor("\(g).weight.lora_a", shape: t.aShape, floats: t.a)
            w.addTensor("\(g).weight.lora_b", shape: t.bShape, floats: t.b)
        }
        try w.write(to: path)
    }

    /// Writes the LoRA layers of a graph built from GGUF (`ggufOrder`) or HF weights.
    public static func write(_ layers: [String: LoRALinear], config: LoRAConfig, graphConfig: LlamaConfig, ggufOrder: Bool,
                             to path: String) throws {
        var t: [String: (a: [Float], aShape: [Int], b: [Float], bShape: [Int])] = [:]
        for (name, l) in layers {
            var b = l.loraB.value.array
            // llama.cpp wants GGUF order; an HF-ordered graph of a normal-rope model is permuted here.
            if !ggufOrder, let p = QKPermutation.forLayer(name, config: graphConfig, ggufOrder: true) { b = p.toGGUF(b, cols: l.rank) }
            t[name] = (l.loraA.value.array, l.loraA.shape, b, l.loraB.shape)
        }
        try write(t, config: config, architecture: graphConfig.architecture, to: path)
    }
}
