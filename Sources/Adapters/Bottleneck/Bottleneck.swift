// Bottleneck.swift: bottleneck adapters (Houlsby et al. 2019, "Parameter-Efficient Transfer
// Learning for NLP"; Pfeiffer et al. 2021, "AdapterFusion"): h ← h + up(silu(down(h))) on a
// sublayer's output before its residual add, through the graph's attentionOutput/mlpOutput hooks.
// down (d, D) + bias, up (D, d) + bias, d = D / reductionFactor. Placement "houlsby": after the
// attention and the MLP sublayers; "pfeiffer": after the MLP only. up = 0 and its bias = 0 at
// init, so step 0 equals the base. PEFT has no such method: the file layout is Tailor's own
// (docs/ADAPTERS.md): adapter_config.json {"peft_type": "TAILOR_BOTTLENECK", ...} and
// adapter_model.safetensors with "layers.N.{attention,mlp}_adapter.{down,up}.{weight,bias}".
import Foundation
import Formats
import NN
import Tensor
import Training

/// One down-nonlinearity-up block with a residual.
public final class BottleneckBlock {
    public let down: Parameter, downBias: Parameter, up: Parameter, upBias: Parameter

    init(dim: Int, bottleneck d: Int, random: RandomState) {
        let bound = 1 / Float(dim).squareRoot()
        down = Parameter(shape: [d, dim], values: (0..<(d * dim)).map { _ in (random.uniform() * 2 - 1) * bound })
        downBias = Parameter(FloatTensor(zeros: [d]))
        up = Parameter(FloatTensor(zeros: [dim, d]))
        upBias = Parameter(FloatTensor(zeros: [dim]))
    }

    func forward(_ h: Variable, tape: Tape) -> Variable {
        let z = tape.silu(tape.addBias(tape.linear(h, down), downBias))        // (N, d)
        return tape.add(h, tape.addBias(tape.linear(z, up), upBias))           // (N, D)
    }

    var named: [(String, Parameter)] { [("down.weight", down), ("down.bias", downBias), ("up.weight", up), ("up.bias", upBias)] }
}

/// Bottleneck adapters in every layer.
public final class BottleneckAdapter: Adapter, GraphHook {
    public let reductionFactor: Int
    public let placement: String
    public let attention: [BottleneckBlock?], mlp: [BottleneckBlock]
    public var isEnabled = true
    public var method: String { "adapter" }

    init(reductionFactor: Int, placement: String, attention: [BottleneckBlock?], mlp: [BottleneckBlock]) {
        self.reductionFactor = reductionFactor; self.placement = placement; self.attention = attention; self.mlp = mlp
    }

    public var namedParameters: [(name: String, parameter: Parameter)] {
        var out: [(name: String, parameter: Parameter)] = []
        for l in mlp.indices {
            if let a = attention[l] { out += a.named.map { ("layers.\(l).attention_adapter.\($0.0)", $0.1) } }
            out += mlp[l].named.map { ("layers.\(l).mlp_adapter.\($0.0)", $0.1) }
        }
        return out
    }

    public func attentionOutput(layer: Int, _ h: Variable, tape: Tape) -> Variable {
        guard isEnabled, let a = attention[layer] else { return h }
        return a.forward(h, tape: tape)
    }

    public func mlpOutput(layer: Int, _ h: Variable, tape: Tape) -> Variable { isEnabled ? mlp[layer].forward(h, tape: tape) : h }

    /// Attaches adapters of width D / reductionFactor at `placement` ("houlsby" or "pfeiffer").
    public static func apply(reductionFactor r: Int, placement: String, to graph: LlamaTrainingGraph, random: RandomState?) throws -> BottleneckAdapter {
        let D = graph.config.dim
        guard r >= 1, D / r >= 1 else { throw AdapterError("--reduction-factor must be in 1...\(D) (got \(r))") }
        guard ["houlsby", "pfeiffer"].contains(placement) else { throw AdapterError("--placement must be houlsby or pfeiffer (got \(placement))") }
        let rng = random ?? RandomState(seed: 0), L = graph.config.layers
        graph.setFrozen(true)
        let att = (0..<L).map { _ in placement == "houlsby" ? BottleneckBlock(dim: D, bottleneck: D / r, random: rng) : nil }
        let a = BottleneckAdapter(reductionFactor: r, placement: placement, attention: att,
                                  mlp: (0..<L).map { _ in BottleneckBlock(dim: D, bottleneck: D / r, random: rng) })
        graph.hooks.append(a)
        return a
    }

    public func save(to directory: String, context: AdapterContext) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var w = SafetensorsWriter(metadata: ["format": "pt"])
        for (n, p) in namedParameters { w.add(n, floats: p.value.array, shape: p.shape) }
        try w.write(to: directory + "/" + PEFTFolder.weightsFile)
        let c = context.graphConfig
        let cfg: [String: AnyCodable] = ["peft_type": "TAILOR_BOTTLENECK", "reduction_factor": .int(reductionFactor), "placement": .string(placement),
                                         "hidden_size": .int(c.dim), "bottleneck_size": .int(c.dim / reductionFactor), "num_layers": .int(c.layers),
                                         "activation": "silu", "base_model_name_or_path": context.baseModel.map { .string($0) } ?? .null]
        try writeJSON(cfg, to: directory + "/" + PEFTFolder.configFile)
    }

    public static func load(_ directory: String, into graph: LlamaTrainingGraph) throws -> BottleneckAdapter {
        let json = try readConfigJSON(directory)
        guard let r = json["reduction_factor"] as? Int, let placement = json["placement"] as? String else {
            throw AdapterError("\(directory)/\(PEFTFolder.configFile): needs reduction_factor and placement")
        }
        let a = try apply(reductionFactor: r, placement: placement, to: graph, random: nil)
        let path = directory + "/" + PEFTFolder.weightsFile
        let f = try SafetensorsFile(path: path)
        for (n, p) in a.namedParameters {
            guard let info = f.tensorInfo(n), info.shape.reduce(1, *) == p.count else { throw AdapterError("\(path): missing or misshapen '\(n)' (expected \(p.shape))") }
            p.value.assign(FloatTensor(shape: p.shape, values: try f.floats(n)))
        }
        return a
    }

    public static let entry = AdapterMethod(
        name: "adapter", summary: "bottleneck adapters (Houlsby: after attention and MLP; Pfeiffer: after MLP) (Tailor's own format)",
        attach: { o, g, _, rng in try BottleneckAdapter.apply(reductionFactor: o.reductionFactor, placement: o.placement, to: g, random: rng) },
        load: { dir, g, _ in try BottleneckAdapter.load(dir, into: g) },
        recognizes: { ($0["peft_type"] as? String) == "TAILOR_BOTTLENECK" })
}
