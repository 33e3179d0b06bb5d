// LoRAWeights.swift: a LoRA adapter applied unmerged at inference. Each adapted GGUF tensor is
// served as the base matrix (still quantized, still packed for the int8 kernels) plus its
// `LowRankCorrection` s·B·A, so a tuned model decodes at nearly the base model's speed instead
// of running f32 copies of every adapted weight (the merge path). This is how llama.cpp applies
// GGUF LoRA adapters. DoRA and IA3 rescale the merged weight and still merge (MergedWeights).
import Formats
import Foundation
import Models
import Tensor

/// A WeightSource serving `base` with the PEFT LoRA folder's corrections attached.
public final class LoRAWeights: WeightSource {
    public let base: WeightSource
    let corrections: [String: LowRankCorrection]

    /// Reads the PEFT folder `dir` (B rows permuted to GGUF order for llama-arch q/k) and checks
    /// every target against the base's shapes.
    public init(base: WeightSource, peftFolder dir: String, config c: LlamaConfig) throws {
        self.base = base
        let lora = try PEFTFolder.readConfig(dir)
        var out: [String: LowRankCorrection] = [:]
        for (name, t) in try PEFTFolder.readTensors(dir, graphConfig: c, ggufOrder: true) {
            guard let g = GGUFNames.gguf(name) else { throw AdapterError("\(dir): layer '\(name)' has no GGUF tensor name") }
            let r = t.a.shape[0]
            let s = lora.useRSLoRA ? lora.alpha / Float(r).squareRoot() : lora.alpha / Float(r)
            let corr = LowRankCorrection(a: t.a.array, b: t.b.array, rank: r, scale: s)
            let m = try base.matrix(g + ".weight")
            guard m.rows == corr.rows, m.cols == corr.cols else {
                throw AdapterError("\(dir): '\(name)' is (\(corr.rows), \(corr.cols)), the model's '\(g).weight' (\(m.rows), \(m.cols))")
            }
            out[g + ".weight"] = corr
        }
        corrections = out
    }

    public func matrix(_ name: String) throws -> WeightMatrix {
        let m = try base.matrix(name)
        return corrections[name].map { m.withCorrection($0) } ?? m
    }
    public func vector(_ name: String) throws -> [Float] { try base.vector(name) }
    public func contains(_ name: String) -> Bool { base.contains(name) }
}
