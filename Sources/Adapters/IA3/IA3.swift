// IA3.swift: (IA)³ (Liu et al. 2022, "Few-Shot Parameter-Efficient Fine-Tuning is Better and
// Cheaper than In-Context Learning") as PEFT implements it: a learned vector l per targeted linear
// layer, scaling its output (k_proj, v_proj: y = base(x) ⊙ l, shape (out, 1) in PEFT's file) or,
// for "feedforward" layers, its input (down_proj: y = base(x ⊙ l), the MLP intermediate; (1, in)).
// l starts at 1 (the base model). Merge scales W's rows (and bias) or columns; unmerge divides.
// PEFT folder: peft_type IA3, keys "base_model.model.<layer>.ia3_l"; q/k rows in HF order.
import Foundation
import Formats
import NN
import Tensor
import Training

/// A linear layer with an (IA)³ scaling vector.
public final class IA3Linear: LinearLayer {
    public let base: any LinearLayer
    public let scale: Parameter          // (out) or, feedforward, (in)
    public let isFeedforward: Bool
    public var isEnabled = true
    public private(set) var isMerged = false

    public init(base: any LinearLayer, feedforward: Bool) {
        self.base = base; isFeedforward = feedforward
        scale = Parameter(FloatTensor(shape: [feedforward ? base.inFeatures : base.outFeatures], repeating: 1))
    }

    public var inFeatures: Int { base.inFeatures }
    public var outFeatures: Int { base.outFeatures }

    public func forward(_ x: Variable, tape: Tape) -> Variable {
        guard isEnabled, !isMerged else { return base.forward(x, tape: tape) }
        if isFeedforward { return base.forward(tape.scaleColumns(x, scale), tape: tape) }
        return tape.scaleColumns(base.forward(x, tape: tape), scale)
    }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        base.namedParameters(prefix: "base_layer") + [("ia3_l", scale)]
    }

    public func merge() throws { guard !isMerged else { return }; try apply(invert: false); isMerged = true }
    public func unmerge() throws { guard isMerged else { return }; try apply(invert: true); isMerged = false }

    private func apply(invert: Bool) throws {
        guard let d = base as? DenseLinear else { throw AdapterError("merge needs an f32 base weight") }
        let l = scale.value.array.map { invert ? 1 / $0 : $0 }, K = inFeatures, w = d.weight.value.pointer
        for o in 0..<outFeatures { for i in 0..<K { w[o * K + i] *= isFeedforward ? l[i] : l[o] } }
        if !isFeedforward, let b = d.bias { for o in 0..<outFeatures { b.value.pointer[o] *= l[o] } }
    }
}

/// (IA)³ vectors installed in a graph.
public final class IA3Adapter: MergeableAdapter {
    public let targets: [String], feedforward: [String]
    public let layers: [String: IA3Linear]
    public var method: String { "ia3" }

    public init(targets: [String], feedforward: [String], layers: [String: IA3Linear]) {
        self.targets = targets; self.feedforward = feedforward; self.layers = layers
    }

    public var isEnabled: Bool {
        get { layers.values.first?.isEnabled ?? false }
        set { for l in layers.values { l.isEnabled = newValue } }
    }
    public var isMerged: Bool { layers.values.first?.isMerged ?? false }
    public var namedParameters: [(name: String, parameter: Parameter)] { layers.keys.sorted().map { ("\($0).ia3_l", layers[$0]!.scale) } }
    public func merge() throws { for l in layers.values { try l.merge() } }
    public func unmerge() throws { for l in layers.values { try l.unmerge() } }

    public func mergedTensors() -> [String: [Float]] {
        var out: [String: [Float]] = [:]
        for (n, l) in layers {
            let s = l.scale.value.array, K = l.inFeatures
            var w = denseWeight(l.base)
            for o in 0..<l.outFeatures { for i in 0..<K { w[o * K + i] *= l.isFeedforward ? s[i] : s[o] } }
            out[n + ".weight"] = w
            if !l.isFeedforward, let b = denseBias(l.base) { out[n + ".bias"] = zip(b, s).map { $0 * $1 } }
        }
        return out
    }

    /// Wraps the targeted layers; everything else is frozen.
    public static func apply(targets: [String], feedforward: [String], to graph: LlamaTrainingGraph,
                             values: [String: [Float]]? = nil) throws -> IA3Adapter {
        graph.setFrozen(true)
        var out: [String: IA3Linear] = [:]
        try graph.mapLinearLayers { name, layer in
            guard targets.contains(where: { LoRAConfig.matches(name, pattern: $0) }) else { return layer }
            let l = IA3Linear(base: layer, feedforward: feedforward.contains { LoRAConfig.matches(name, pattern: $0) })
            if let values {
                guard let v = values[name] else { return layer }
                guard v.count == l.scale.count else { throw AdapterError("'\(name).ia3_l' has \(v.count) values, expected \(l.scale.count)") }
                l.scale.value.assign(FloatTensor(shape: [v.count], values: v))
            }
            out[name] = l
            return l
        }
        guard !out.isEmpty else { throw AdapterError("no layer matches IA3 targets \(targets.joined(separator: ","))") }
        return IA3Adapter(targets: targets, feedforward: feedforward, layers: out)
    }

    public func save(to directory: String, context: AdapterContext) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var w = SafetensorsWriter(metadata: ["format": "pt"])
        for name in layers.keys.sorted() {
            let l = layers[name]!
            var v = l.scale.value.array
            if let p = QKPermutation.forLayer(name, config: context.graphConfig, ggufOrder: context.ggufOrder) { v = p.toHF(v, cols: 1) }
            w.add("base_model.model.\(name).ia3_l", floats: v, shape: l.isFeedforward ? [1, v.count] : [v.count, 1])
        }
        try w.write(to: directory + "/" + PEFTFolder.weightsFile)
        let cfg: [String: AnyCodable] = ["peft_type": "IA3", "task_type": "CAUSAL_LM", "target_modules": .strings(targets),
                                         "feedforward_modules": .strings(feedforward), "init_ia3_weights": true, "inference_mode": true,
                                         "fan_in_fan_out": false, "base_model_name_or_path": context.baseModel.map { .string($0) } ?? .null]
        try writeJSON(cfg, to: directory + "/" + PEFTFolder.configFile)
    }

    public static func load(_ directory: String, into graph: LlamaTrainingGraph, context: AdapterContext) throws -> IA3Adapter {
        let json = try readConfigJSON(directory)
        let targets = json["target_modules"] as? [String] ?? (json["target_modules"] as? String).map { [$0] } ?? []
        let ff = json["feedforward_modules"] as? [String] ?? (json["feedforward_modules"] as? String).map { [$0] } ?? []
        let f = try SafetensorsFile(path: directory + "/" + PEFTFolder.weightsFile)
        var values: [String: [Float]] = [:]
        for t in f.tensors where t.name.hasSuffix(".ia3_l") {
            let name = String(t.name.dropFirst("base_model.model.".count).dropLast(".ia3_l".count))
            var v = try f.floats(t.name)
            if let p = QKPermutation.forLayer(name, config: graph.config, ggufOrder: context.ggufOrder) { v = p.toGGUF(v, cols: 1) }
            values[name] = v
        }
        let a = try apply(targets: targets, feedforward: ff, to: graph, values: values)
        if let m = Set(values.keys).subtracting(a.layers.keys).sorted().first { throw AdapterError("\(directory): the model has no layer '\(m)'") }
        return a
    }

    public static let entry = AdapterMethod(
        name: "ia3", summary: "IA3: learned scaling of k, v and the MLP intermediate (PEFT IA3)",
        attach: { o, g, _, _ in try IA3Adapter.apply(targets: o.ia3Targets, feedforward: o.ia3Feedforward, to: g) },
        load: { dir, g, ctx in try IA3Adapter.load(dir, into: g, context: ctx) },
        recognizes: { ($0["peft_type"] as? String) == "IA3" })
}
