// AdapterLoading.swift: a model with an adapter folder applied, for generate, eval and chat
// (`--adapter DIR`, any method). LoRA runs unmerged beside the quantized base weights
// (LoRAWeights); DoRA and IA3 are merged into f32 copies of the adapted weights as the file loads; prefix tuning, prompt tuning and bottleneck adapters attach to the
// inference model's hook points (Adapters/Core/InferenceAdapters). Every method then runs on the
// fast inference path with a KV cache.
import Adapters
import Foundation
import Formats
import Loading
import Models
import Tensor
import Training

enum AdapterLoading {
    /// Loads `spec` with the adapter in `dir` applied (nil: the plain model).
    static func load(_ spec: String, threads: Int?, adapter dir: String?) throws -> LoadedModel {
        guard let dir else { return try ModelLoader.load(spec, threads: threads) }
        guard FileManager.default.fileExists(atPath: dir + "/adapter_config.json") else {
            throw AdapterError("\(dir): not an adapter folder (no adapter_config.json)")
        }
        if try AdapterMerge.isMergeable(folder: dir) {
            return try ModelLoader.load(spec, threads: threads, weights: transform(dir))
        }
        let loaded = try ModelLoader.load(spec, threads: threads)
        guard let llama = loaded.model as? LlamaModel else { throw AdapterError("\(dir): adapters need a Llama-family model") }
        let weights = GGUFWeights(file: loaded.file), c = try config(of: loaded.file, weights: weights)
        let graph = try LlamaTrainingGraph(config: c, weights: weights, base: .frozen)
        let model = try InferenceAdapters.attach(dir, to: llama, graph: graph, context: AdapterContext(graphConfig: c, ggufOrder: true))
        return loaded.replacingModel(model)
    }

    static func config(of file: GGUFFile, weights: GGUFWeights) throws -> LlamaConfig {
        let arch = file.string("general.architecture") ?? "llama"
        return try LlamaConfig(architecture: arch, source: weights, ropeNeox: arch == "qwen2", embeddingRows: try weights.matrix("token_embd.weight").rows)
    }

    /// A LoRA folder without DoRA (applied unmerged: the base stays quantized).
    static func isPlainLoRA(_ dir: String) throws -> Bool {
        let d = try Data(contentsOf: URL(fileURLWithPath: dir + "/adapter_config.json"))
        let j = (try JSONSerialization.jsonObject(with: d) as? [String: Any]) ?? [:]
        return j["peft_type"] as? String == "LORA" && j["use_dora"] as? Bool != true
    }

    /// A weight transform for ModelLoader.load that merges the adapter in `dir` (nil: none);
    /// the adapter must be mergeable (LoRA, DoRA, IA3).
    static func transform(_ dir: String?) -> ((GGUFWeights) throws -> WeightSource)? {
        guard let dir else { return nil }
        return { w in
            let c = try config(of: w.file, weights: w)
            if try isPlainLoRA(dir) { return try LoRAWeights(base: w, peftFolder: dir, config: c) }
            return try MergedWeights(base: w, replacements: AdapterMerge.mergedTensors(folder: dir, weights: w, config: c))
        }
    }
}
