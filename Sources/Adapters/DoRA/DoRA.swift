// DoRA.swift: DoRA as a registered Adapter (registry name "dora"): attach wraps the LoRA targets
// in DoRALinear; save/load use PEFT's folder with `use_dora: true`: the LoRA keys plus
// "base_model.model.<layer>.lora_magnitude_vector" (out), rows of q/k in HF order.
import Foundation
import Formats
import NN
import Tensor
import Training

/// DoRA layers installed in a graph.
public final class DoRAAdapter: MergeableAdapter {
    public let config: LoRAConfig
    public let layers: [String: DoRALinear]
    public var method: String { "dora" }

    public init(config: LoRAConfig, layers: [String: DoRALinear]) { self.config = config; self.layers = layers }

    public var isEnabled: Bool {
        get { layers.values.first?.isEnabled ?? false }
        set { for l in layers.values { l.isEnabled = newValue } }
    }
    public var isMerged: Bool { layers.values.first?.isMerged ?? false }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.keys.sorted().flatMap { n -> [(name: String, parameter: Parameter)] in
            let l = layers[n]!
            return [("\(n).lora_A.weight", l.lora.loraA), ("\(n).lora_B.weight", l.lora.loraB), ("\(n).lora_magnitude_vector", l.magnitude)]
        }
    }

    public func setTraining(_ on: Bool) { for l in layers.values { l.lora.training = on } }
    public func merge() throws { for l in layers.values { try l.merge() } }
    public func unmerge() throws { for l in layers.values { try l.unmerge() } }

    public func mergedTensors() -> [String: [Float]] {
        var out: [String: [Float]] = [:]
        for (n, l) in layers { out[n + ".weight"] = l.mergedWeight() }
        return out
    }

    /// Installs DoRA on the layers `config` targets; everything else is frozen.
    public static func apply(_ config: LoRAConfig, to graph: LlamaTrainingGraph, random: RandomState?) throws -> DoRAAdapter {
        try config.validate()
        graph.setFrozen(true)
        var out: [String: DoRALinear] = [:]
        try graph.mapLinearLayers { name, layer in
            guard config.targets(name) else { return layer }
            try requirePlainBase(layer, name)
            let l = DoRALinear(base: layer, rank: config.rank, scaling: config.scaling, dropout: config.dropout, random: random)
            out[name] = l
            return l
        }
        guard !out.isEmpty else { throw AdapterError("no layer matches --targets \(config.targetModules.joined(separator: ","))") }
        return DoRAAdapter(config: config, layers: out)
    }

    public func save(to directory: String, context: AdapterContext) throws {
        try PEFTFolder.save(layers.mapValues(\.lora), config: config, graphConfig: context.graphConfig, ggufOrder: context.ggufOrder,
                            baseModel: context.baseModel, to: directory)
        var cfg = PEFTAdapterConfig(config, baseModel: context.baseModel)
        cfg.use_dora = true
        try writeJSON(cfg, to: directory + "/" + PEFTFolder.configFile)
        // Rewrite the weights with the magnitudes added.
        let path = directory + "/" + PEFTFolder.weightsFile
        let f = try SafetensorsFile(path: path)
        var w = SafetensorsWriter(metadata: ["format": "pt"])
        for t in f.tensors { w.add(t.name, floats: try f.floats(t.name), shape: t.shape) }
        for (name, l) in layers {
            var m = l.magnitude.value.array
            if let p = QKPermutation.forLayer(name, config: context.graphConfig, ggufOrder: context.ggufOrder) { m = p.toHF(m, cols: 1) }
            w.add("base_model.model.\(name).lora_magnitude_vector", floats: m, shape: [m.count])
        }
        try w.write(to: path)
    }

    /// Loads a PEFT folder with use_dora.
    public static func load(_ directory: String, into graph: LlamaTrainingGraph, context: AdapterContext) throws -> DoRAAdapter {
        let config = try PEFTFolder.readConfig(directory, allowDoRA: true)
        let tensors = try PEFTFolder.readTensors(directory, graphConfig: graph.config, ggufOrder: context.ggufOrder)
        let f = try SafetensorsFile(path: directory + "/" + PEFTFolder.weightsFile)
        graph.setFrozen(true)
        var out: [String: DoRALinear] = [:]
        try graph.mapLinearLayers { name, layer in
            guard let (a, b) = tensors[name] else { return layer }
            try requirePlainBase(layer, name)
            let key = "base_model.model.\(name).lora_magnitude_vector"
            guard f.tensorInfo(key) != nil else { throw AdapterError("\(directory): '\(name)' has no \(key)") }
            var m = try f.floats(key)
            guard a.shape[1] == layer.inFeatures, b.shape[0] == layer.outFeatures, m.count == layer.outFeatures else {
                throw AdapterError("\(directory): '\(name)' shapes do not fit the layer (\(layer.outFeatures), \(layer.inFeatures))")
            }
            if let p = QKPermutation.forLayer(name, config: graph.config, ggufOrder: context.ggufOrder) { m = p.toGGUF(m, cols: 1) }
            let r = a.shape[0]
            let l = DoRALinear(base: layer, rank: r, scaling: config.useRSLoRA ? config.alpha / Float(r).squareRoot() : config.alpha / Float(r),
                               dropout: config.dropout, random: nil)
            l.lora.loraA.value.assign(a); l.lora.loraB.value.assign(b); l.magnitude.value.assign(FloatTensor(shape: [m.count], values: m))
            out[name] = l
            return l
        }
        return DoRAAdapter(config: config, layers: out)
    }

    /// DoRA normalizes the stored weight, so it cannot sit on another adapter's wrapper.
    static func requirePlainBase(_ layer: any LinearLayer, _ name: String) throws {
        guard layer is DenseLinear || layer is FrozenLinear else {
            throw AdapterError("DoRA on '\(name)' needs the plain base layer, but another adapter (\(type(of: layer))) already wraps it")
        }
    }

    public static let entry = AdapterMethod(
        name: "dora", summary: "DoRA: magnitude ⊙ normalized (W + LoRA) (PEFT LORA with use_dora)",
        attach: { o, g, _, rng in try DoRAAdapter.apply(o.lora, to: g, random: rng) },
        load: { dir, g, ctx in try DoRAAdapter.load(dir, into: g, context: ctx) },
        recognizes: { ($0["peft_type"] as? String) == "LORA" && ($0["use_dora"] as? Bool) == true })
}
