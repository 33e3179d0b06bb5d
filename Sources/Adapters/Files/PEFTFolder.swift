// PEFTFolder.swift: LoRA adapters as Hugging Face PEFT folders: adapter_config.json plus
// adapter_model.safetensors with PEFT's key names and shapes
// ("base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight": A (r, in), lora_B: B (out, r)),
// so `PeftModel.from_pretrained` loads what Tailor writes and Tailor loads what PEFT writes.
// B rows of q/k are converted between llama.cpp's GGUF row order and HF's (QKPermutation) when the
// graph was built from a llama-arch GGUF. Limits: LoRA only; rank_pattern/alpha_pattern, DoRA,
// bias training and modules_to_save are rejected on load with a message.
import Foundation
import Formats
import Models
import Tensor
import Training

/// adapter_config.json (the fields Tailor writes and reads).
public struct PEFTAdapterConfig: Codable, Equatable, Sendable {
    public var peft_type = "LORA"
    public var task_type: String? = "CAUSAL_LM"
    public var r: Int
    public var lora_alpha: Float
    public var lora_dropout: Float? = 0
    public var target_modules: [String]?
    public var use_rslora: Bool? = false
    public var use_dora: Bool? = false
    public var bias: String? = "none"
    public var fan_in_fan_out: Bool? = false
    public var base_model_name_or_path: String?
    public var inference_mode: Bool? = true
    public var init_lora_weights: Bool? = true
    public var modules_to_save: [String]?
    public var rank_pattern: [String: Int]?
    public var alpha_pattern: [String: Float]?

    public init(_ c: LoRAConfig, baseModel: String?) {
        r = c.rank; lora_alpha = c.alpha; lora_dropout = c.dropout; target_modules = c.targetModules
        use_rslora = c.useRSLoRA; base_model_name_or_path = baseModel
    }

    enum CodingKeys: String, CodingKey {
        case peft_type, task_type, r, lora_alpha, lora_dropout, target_modules, use_rslora, use_dora, bias, fan_in_fan_out,
             base_model_name_or_path, inference_mode, init_lora_weights, modules_to_save, rank_pattern, alpha_pattern
    }

    public init(from d: Decoder) throws {
        let c = try d.container(keyedBy: CodingKeys.self)
        peft_type = try c.decode(String.self, forKey: .peft_type)
        task_type = try? c.decodeIfPresent(String.self, forKey: .task_type)
        r = try c.decode(Int.self, forKey: .r)
        lora_alpha = try c.decode(Float.self, forKey: .lora_alpha)
        lora_dropout = try c.decodeIfPresent(Float.self, forKey: .lora_dropout)
        // PEFT writes a list, a set (also a list in JSON) or a regex string.
        target_modules = (try? c.decodeIfPresent([String].self, forKey: .target_modules)) ?? (try? c.decodeIfPresent(String.self, forKey: .target_modules)).flatMap { $0.map { [$0] } }
        use_rslora = try c.decodeIfPresent(Bool.self, forKey: .use_rslora)
        use_dora = try c.decodeIfPresent(Bool.self, forKey: .use_dora)
        bias = try c.decodeIfPresent(String.self, forKey: .bias)
        fan_in_fan_out = try c.decodeIfPresent(Bool.self, forKey: .fan_in_fan_out)
        base_model_name_or_path = try c.decodeIfPresent(String.self, forKey: .base_model_name_or_path)
        inference_mode = try c.decodeIfPresent(Bool.self, forKey: .inference_mode)
        init_lora_weights = try? c.decodeIfPresent(Bool.self, forKey: .init_lora_weights)
        modules_to_save = try? c.decodeIfPresent([String].self, forKey: .modules_to_save)
        rank_pattern = try? c.decodeIfPresent([String: Int].self, forKey: .rank_pattern)
        alpha_pattern = try? c.decodeIfPresent([String: Float].self, forKey: .alpha_pattern)
    }

    /// As a LoRAConfig (throws on features Tailor does not implement).
    public func loraConfig(path: String, allowDoRA: Bool = false) throws -> LoRAConfig {
        guard peft_type == "LORA" else { throw AdapterError("\(path): peft_type '\(peft_type)' is not supported (only LORA)") }
        if use_dora == true, !allowDoRA { throw AdapterError("\(path): use_dora is set: load it as DoRA") }
        if fan_in_fan_out == true { throw AdapterError("\(path): fan_in_fan_out is not supported") }
        if let b = bias, b != "none" { throw AdapterError("\(path): bias '\(b)' is not supported (only none)") }
        if !(rank_pattern ?? [:]).isEmpty || !(alpha_pattern ?? [:]).isEmpty { throw AdapterError("\(path): rank_pattern/alpha_pattern are not supported") }
        if !(modules_to_save ?? []).isEmpty { throw AdapterError("\(path): modules_to_save is not supported") }
        return LoRAConfig(rank: r, alpha: lora_alpha, dropout: lora_dropout ?? 0, targetModules: target_modules ?? LoRAConfig.defaultTargets,
                          useRSLoRA: use_rslora ?? false)
    }
}

/// Saving and loading PEFT adapter folders.
public enum PEFTFolder {
    public static let configFile = "adapter_config.json", weightsFile = "adapter_model.safetensors"

    /// Writes `layers` (by graph layer name) and `config` into `directory` (created if needed).
    /// `ggufOrder`: the graph came from a GGUF file (q/k B rows are converted to HF order).
    public static func save(_ layers: [String: LoRALinear], config: LoRAConfig, graphConfig: LlamaConfig, ggufOrder: Bool,
                            baseModel: String?, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var w = SafetensorsWriter(metadata: ["format": "pt"])
        for name in layers.keys.sorted() {
            let l = layers[name]!
            var b = l.loraB.value.array
            if let p = QKPermutation.forLayer(name, config: graphConfig, ggufOrder: ggufOrder) { b = p.toHF(b, cols: l.rank) }
            w.add("base_model.model.\(name).lora_A.weight", floats: l.loraA.value.array, shape: l.loraA.shape)
            w.add("base_model.model.\(name).lora_B.weight", floats: b, shape: l.loraB.shape)
        }
        try w.write(to: directory + "/" + weightsFile)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try enc.encode(PEFTAdapterConfig(config, baseModel: baseModel)).write(to: URL(fileURLWithPath: directory + "/" + configFile), options: .atomic)
    }

    /// Reads the config of the folder at `directory`.
    public static func readConfig(_ directory: String, allowDoRA: Bool = false) throws -> LoRAConfig {
        let path = directory + "/" + configFile
        guard let data = FileManager.default.contents(atPath: path) else { throw AdapterError("\(path): no such file (not a PEFT adapter folder)") }
        do { return try JSONDecoder().decode(PEFTAdapterConfig.self, from: data).loraConfig(path: path, allowDoRA: allowDoRA) } catch let e as AdapterError { throw e } catch {
            throw AdapterError("\(path): \(error)")
        }
    }

    /// The adapter's A and B matrices by layer name, with B in the graph's row order.
    public static func readTensors(_ directory: String, graphConfig: LlamaConfig, ggufOrder: Bool) throws -> [String: (a: FloatTensor, b: FloatTensor)] {
        let path = directory + "/" + weightsFile
        let f = try SafetensorsFile(path: path)
        var out: [String: (a: FloatTensor, b: FloatTensor)] = [:]
        for t in f.tensors where t.name.contains(".lora_A.") {
            guard t.name.hasPrefix("base_model.model."), t.name.hasSuffix(".weight") else { throw AdapterError("\(path): unexpected key '\(t.name)'") }
            let name = String(t.name.dropFirst("base_model.model.".count)).components(separatedBy: ".lora_A.")[0]
            let bKey = t.name.replacingOccurrences(of: ".lora_A.", with: ".lora_B.")
            guard let bi = f.tensorInfo(bKey) else { throw AdapterError("\(path): '\(t.name)' has no matching '\(bKey)'") }
            guard t.shape.count == 2, bi.shape.count == 2, bi.shape[1] == t.shape[0] else {
                throw AdapterError("\(path): '\(name)' has A \(t.shape) and B \(bi.shape), expected A (r, in) and B (out, r)")
            }
            var b = try f.floats(bKey)
            if let p = QKPermutation.forLayer(name, config: graphConfig, ggufOrder: ggufOrder) { b = p.toGGUF(b, cols: t.shape[0]) }
            out[name] = (FloatTensor(shape: t.shape, values: try f.floats(t.name)), FloatTensor(shape: bi.shape, values: b))
        }
        guard !out.isEmpty else { throw AdapterError("\(path): no lora_A/lora_B tensors") }
        return out
    }

    /// Loads the folder into `graph`: wraps the layers it names in LoRALinear with its weights.
    /// Returns the config and the layers.
    @discardableResult
    public static func load(_ directory: String, into graph: LlamaTrainingGraph, ggufOrder: Bool,
                            random: RandomState? = nil) throws -> (LoRAConfig, [String: LoRALinear]) {
        let config = try readConfig(directory)
        let tensors = try readTensors(directory, graphConfig: graph.config, ggufOrder: ggufOrder)
        graph.setFrozen(true)
        var out: [String: LoRALinear] = [:]
        try graph.mapLinearLayers { name, layer in
            guard let (a, b) = tensors[name] else { return layer }
            guard a.shape[1] == layer.inFeatures, b.shape[0] == layer.outFeatures else {
                throw AdapterError("\(directory): '\(name)' has A \(a.shape), B \(b.shape) but the layer is (\(layer.outFeatures), \(layer.inFeatures))")
            }
            let l = LoRALinear(base: layer, rank: a.shape[0], scaling: config.useRSLoRA ? config.alpha / Float(a.shape[0]).squareRoot() : config.alpha / Float(a.shape[0]),
                               dropout: config.dropout, random: random)
            l.loraA.value.assign(a); l.loraB.value.assign(b)
            out[name] = l
            return l
        }
        let missing = Set(tensors.keys).subtracting(out.keys)
        if let m = missing.sorted().first { throw AdapterError("\(directory): the model has no layer '\(m)'") }
        return (config, out)
    }
}
