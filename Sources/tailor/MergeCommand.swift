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
