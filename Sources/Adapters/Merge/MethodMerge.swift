// MethodMerge.swift: folding any mergeable adapter folder (LoRA, DoRA, IA3) into GGUF weights.
// The folder is loaded through the registry into a training graph whose base stays frozen in its
// stored types (no f32 copy of the whole model), and the adapter computes its merged tensors;
// they are returned under GGUF names ("blk.0.attn_k.weight", "blk.0.attn_k.bias") for
// MergedWeights (generate --adapter) and writeMergedGGUF (tailor merge). Prompt tuning, prefix
// tuning and bottleneck adapters add computation rather than changing weights: they cannot merge.
import Foundation
import Formats
import Models
import Training

extension AdapterMerge {
    /// Whether the folder holds a method that folds into the weights.
    public static func isMergeable(folder dir: String) throws -> Bool {
        let j = try readConfigJSON(dir)
        return ["LORA", "IA3"].contains(j["peft_type"] as? String ?? "")
    }

    /// The adapted tensors of the folder, merged, by GGUF tensor name.
    public static func mergedTensors(folder dir: String, weights: WeightSource, config c: LlamaConfig) throws -> [String: [Float]] {
        let graph = try LlamaTrainingGraph(config: c, weights: weights, base: .frozen)
        let a = try AdapterRegistry.load(dir, into: graph, context: AdapterContext(graphConfig: c, ggufOrder: true))
        guard let m = a as? MergeableAdapter else {
            throw AdapterError("\(dir): a \(a.method) adapter adds computation and cannot be merged into the weights (use it with --adapter)")
        }
        var out: [String: [Float]] = [:]
        for (name, v) in m.mergedTensors() {
            let layer = name.hasSuffix(".weight") ? String(name.dropLast(7)) : String(name.dropLast(5))
            guard let g = GGUFNames.gguf(layer) else { throw AdapterError("\(dir): layer '\(layer)' has no GGUF tensor name") }
            out[g + (name.hasSuffix(".weight") ? ".weight" : ".bias")] = v
        }
        return out
    }
}

extension MergedWeights {
    /// Serves `tensors` (full merged values by GGUF name: matrices and bias vectors) over `base`.
    public convenience init(base: WeightSource, replacements tensors: [String: [Float]]) throws {
        try self.init(base: base, deltas: [:], replacements: tensors)
    }
}
