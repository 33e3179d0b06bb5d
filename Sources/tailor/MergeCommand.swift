// MergeCommand.swift: `tailor merge -m BASE --adapter DIR -o OUT.gguf [--type f16|q8_0|f32]`:
// folds a LoRA, DoRA or IA3 folder into the base weights and writes a standalone GGUF (atomically)
// that Tailor and llama.cpp run without the adapter. Prompt/prefix tuning and bottleneck adapters
// add computation and cannot merge (a clear error says so).
import Adapters
import ArgumentParser
import Foundation
import Formats
import Loading
import Models
import Tensor
import Training

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "merge", abstract: "Merge a LoRA, DoRA or IA3 adapter into a model and write a GGUF.")

    @Option(name: [.customShort("m"), .long], help: "Base model: catalog name or .gguf path.") var model = "smollm2-135m-instruct"
    @Option(help: "Adapter folder (adapter_config.json + adapter_model.safetensors): LoRA, DoRA (use_dora) or IA3.") var adapter: String
    @Option(name: [.customShort("o"), .long], help: "Output .gguf path.") var output: String
    @Option(help: "Type of the 2-D weights: f16, q8_0 or f32.") var type = "f16"

    func validate() throws {
        guard ["f16", "q8_0", "f32"].contains(type) else { throw ValidationError("--type must be f16, q8_0 or f32") }
    }

    func run() throws {
        try reportingErrors {
            let file = try GGUFFile(path: try ModelLoader.resolve(model).path)
            let weights = GGUFWeights(file: file)
            let config = try AdapterLoading.config(of: file, weights: weights)
            let t: GGMLType = type == "f32" ? .f32 : type == "q8_0" ? .q8_0 : .f16
            if try AdapterLoading.isPlainLoRA(adapter) {
                let deltas = try AdapterMerge.deltas(peftFolder: adapter, config: config)
                try AdapterMerge.writeMergedGGUF(base: file, deltas: deltas, type: t, to: output)
                print("\(output)\t\(deltas.count) adapted tensors\t\(type)")
            } else {
                let merged = try AdapterMerge.mergedTensors(folder: adapter, weights: weights, config: config)
                try AdapterMerge.writeMergedGGUF(base: file, deltas: [:], replacements: merged, type: t, to: output)
                print("\(output)\t\(merged.count) adapted tensors\t\(type)")
            }
        }
    }
}

/// Applying a PEFT folder at model load (for generate/eval --adapter).
enum AdapterLoading {
    static func config(of file: GGUFFile, weights: GGUFWeights) throws -> LlamaConfig {
        let arch = file.string("general.architecture") ?? "llama"
        return try LlamaConfig(architecture: arch, source: weights, ropeNeox: arch == "qwen2", embeddingRows: try weights.matrix("token_embd.weight").rows)
    }

    /// A prefix-tuning folder (generation pre-fills the KV cache with its keys/values).
    static func isPrefixTuning(_ dir: String) throws -> Bool {
        let d = try Data(contentsOf: URL(fileURLWithPath: dir + "/adapter_config.json"))
        return (try JSONSerialization.jsonObject(with: d) as? [String: Any])?["peft_type"] as? String == "PREFIX_TUNING"
    }

    /// The prefix keys/values of a prefix-tuning folder for the model in `file`, per layer.
    static func prefixCacheRows(_ dir: String, file: GGUFFile) throws -> (keys: [[Float]], values: [[Float]]) {
        let w = GGUFWeights(file: file), c = try config(of: file, weights: w)
        let g = try LlamaTrainingGraph(config: c, weights: w, base: .frozen)
        return try PrefixTuningAdapter.load(dir, into: g, context: AdapterContext(graphConfig: c, ggufOrder: true)).cacheRows()
    }

    /// A LoRA folder without DoRA (merged by the cheap delta path).
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
            if try isPlainLoRA(dir) { return try MergedWeights(base: w, deltas: AdapterMerge.deltas(peftFolder: dir, config: c)) }
            return try MergedWeights(base: w, replacements: AdapterMerge.mergedTensors(folder: dir, weights: w, config: c))
        }
    }
}
