// LoRAAdapter.swift: LoRA (LoRALinear layers) as a registered Adapter: attach, enable/disable,
// merge/unmerge, PEFT-folder save/load (PEFTFolder.swift).
import Foundation
import NN
import Training

/// LoRA layers installed in a graph.
public final class LoRAAdapter: MergeableAdapter {
    public let config: LoRAConfig
    /// The wrappers by graph layer name.
    public let layers: [String: LoRALinear]
    public var method: String { "lora" }

    public init(config: LoRAConfig, layers: [String: LoRALinear]) { self.config = config; self.layers = layers }

    public var isEnabled: Bool {
        get { layers.values.first?.isEnabled ?? false }
        set { for l in layers.values { l.isEnabled = newValue } }
    }
    public var isMerged: Bool { layers.values.first?.isMerged ?? false }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.keys.sorted().flatMap { n in [("\(n).lora_A.weight", layers[n]!.loraA), ("\(n).lora_B.weight", layers[n]!.loraB)] }
    }

    public func setTraining(_ on: Bool) { for l in layers.values { l.training = on } }
    public func merge() throws { for l in layers.values { try l.merge() } }
    public func unmerge() throws { for l in layers.values { try l.unmerge() } }

    public func mergedTensors() -> [String: [Float]] {
        var out: [String: [Float]] = [:]
        for (n, l) in layers { out[n + ".weight"] = zip(denseWeight(l.base), l.delta()).map { $0 + $1 } }
        return out
    }

    public func save(to directory: String, context: AdapterContext) throws {
        try PEFTFolder.save(layers, config: config, graphConfig: context.graphConfig, ggufOrder: context.ggufOrder,
                            baseModel: context.baseModel, to: directory)
    }

    public static let entry = AdapterMethod(
        name: "lora", summary: "LoRA: W + (alpha/r)·B·A on the target projections (PEFT LORA)",
        attach: { o, g, _, rng in LoRAAdapter(config: o.lora, layers: try LoRA.apply(o.lora, to: g, random: rng)) },
        load: { dir, g, ctx in
            let (c, l) = try PEFTFolder.load(dir, into: g, ggufOrder: ctx.ggufOrder)
            return LoRAAdapter(config: c, layers: l)
        },
        recognizes: { ($0["peft_type"] as? String) == "LORA" && ($0["use_dora"] as? Bool) != true })
}
