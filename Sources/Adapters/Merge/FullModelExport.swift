// FullModelExport.swift: the artifact of full fine-tuning: model.safetensors with every
// parameter under its Hugging Face name (q/k rows in GGUF order, as the graph holds them) and
// model.gguf, the base file with every trained tensor replaced (2-D weights f16, 1-D f32), which
// Tailor and llama.cpp run directly.
import Foundation
import Formats
import Training

/// Saving fully fine-tuned weights.
public enum FullModelExport {
    /// HF parameter name -> GGUF tensor name ("model.layers.0.input_layernorm.weight" -> "blk.0.attn_norm.weight").
    public static func ggufName(_ hf: String) -> String? {
        switch hf {
        case "model.embed_tokens.weight": return "token_embd.weight"
        case "model.norm.weight": return "output_norm.weight"
        default: break
        }
        for (suffix, g) in [(".input_layernorm.weight", "attn_norm.weight"), (".post_attention_layernorm.weight", "ffn_norm.weight")]
        where hf.hasSuffix(suffix) {
            return hf.dropLast(suffix.count).replacingOccurrences(of: "model.layers.", with: "blk.") + "." + g
        }
        for ext in [".weight", ".bias"] where hf.hasSuffix(ext) {
            return GGUFNames.gguf(String(hf.dropLast(ext.count))).map { $0 + ext }
        }
        return nil
    }

    /// Writes model.safetensors and model.gguf into `directory`.
    public static func save(graph: LlamaTrainingGraph, base: GGUFFile, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var st = SafetensorsWriter(metadata: ["format": "pt", "qk_row_order": "gguf"])
        var repl: [String: [Float]] = [:]
        for (n, p) in graph.namedParameters() {
            st.add(n, floats: p.value.array, shape: p.shape)
            guard let g = ggufName(n) else { throw AdapterError("parameter '\(n)' has no GGUF name") }
            repl[g] = p.value.array
        }
        try st.write(to: directory + "/model.safetensors")
        try AdapterMerge.writeMergedGGUF(base: base, deltas: [:], replacements: repl, type: .f16, to: directory + "/model.gguf")
    }
}
