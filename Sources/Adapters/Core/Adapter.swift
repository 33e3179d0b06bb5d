// Adapter.swift: what every parameter-efficient method is to the rest of Tailor. A method is a
// config + a layer wrapper or graph hook + ONE registry entry (AdapterRegistry.swift): it attaches
// to a LlamaTrainingGraph from AdapterOptions, lists its trainable parameters, switches on and
// off, saves a folder and (through the registry) loads one. Methods that fold into the base
// weights (LoRA, DoRA, IA3) also conform to MergeableAdapter.
import Foundation
import Models
import NN
import Training

/// Facts about the base model an adapter file needs (HF row order of q/k, base name).
public struct AdapterContext: Sendable {
    public var graphConfig: LlamaConfig
    /// The graph was built from a llama-arch GGUF (q/k rows in llama.cpp's order).
    public var ggufOrder: Bool
    public var baseModel: String?
    public init(graphConfig: LlamaConfig, ggufOrder: Bool, baseModel: String? = nil) {
        self.graphConfig = graphConfig; self.ggufOrder = ggufOrder; self.baseModel = baseModel
    }
}

/// The knobs of every method (each uses its own; defaults follow PEFT where PEFT has the method).
public struct AdapterOptions: Codable, Equatable, Sendable {
    /// LoRA / DoRA.
    public var lora = LoRAConfig()
    /// IA3: scaled layers, and which of them scale their input (PEFT's feedforward_modules).
    public var ia3Targets = ["k_proj", "v_proj", "down_proj"]
    public var ia3Feedforward = ["down_proj"]
    /// Prompt and prefix tuning: virtual tokens.
    public var virtualTokens = 20
    /// Prompt tuning: token ids of the text to initialize from (nil: random).
    public var initTokens: [Int32]?
    public var initText: String?
    /// Prefix tuning: hidden width of the reparameterization MLP (0: no MLP).
    public var prefixHidden = 0
    /// Bottleneck adapters: D / bottleneck width, and "houlsby" (after attention and MLP) or "pfeiffer" (after MLP).
    public var reductionFactor = 16
    public var placement = "houlsby"
    public init() {}
}

/// An adapter attached to a graph.
public protocol Adapter: AnyObject {
    /// The registry name of the method ("lora", "dora", "ia3", "prompt", "prefix", "adapter").
    var method: String { get }
    /// False: the graph computes exactly the base model's output.
    var isEnabled: Bool { get set }
    /// Trainable parameters under stable names (checkpoints).
    var namedParameters: [(name: String, parameter: Parameter)] { get }
    /// Dropout on (training) or off.
    func setTraining(_ on: Bool)
    /// Writes the adapter folder.
    func save(to directory: String, context: AdapterContext) throws
}

public extension Adapter {
    func setTraining(_ on: Bool) {}
    /// Number of trainable values.
    var trainableCount: Int { namedParameters.reduce(0) { $0 + $1.parameter.count } }
}

/// An adapter whose effect can be folded into f32 base weights and taken out again.
public protocol MergeableAdapter: Adapter {
    var isMerged: Bool { get }
    func merge() throws
    func unmerge() throws
    /// The adapted tensors with the adapter folded in, by graph tensor name ("model.layers.0.self_attn.k_proj.weight",
    /// "...bias"), computed without touching the graph (works on quantized frozen bases: export).
    func mergedTensors() -> [String: [Float]]
}

/// A linear layer's stored weight (out, in) as f32 (dequantized when frozen in a ggml type).
func denseWeight(_ l: any LinearLayer) -> [Float] {
    if let d = l as? DenseLinear { return d.weight.value.array }
    if let f = l as? FrozenLinear { return f.weight.dequantized() }
    preconditionFailure("no stored weight in \(type(of: l))")
}

/// A linear layer's bias, if any.
func denseBias(_ l: any LinearLayer) -> [Float]? { ((l as? DenseLinear)?.bias ?? (l as? FrozenLinear)?.bias)?.value.array }

/// Writes JSON (pretty, sorted keys) atomically.
func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    try enc.encode(value).write(to: URL(fileURLWithPath: path), options: .atomic)
}

/// Reads an adapter folder's adapter_config.json as a dictionary.
func readConfigJSON(_ directory: String) throws -> [String: Any] {
    let path = directory + "/" + PEFTFolder.configFile
    guard let data = FileManager.default.contents(atPath: path) else { throw AdapterError("\(path): no such file (not an adapter folder)") }
    guard let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw AdapterError("\(path): not a JSON object") }
    return obj
}
