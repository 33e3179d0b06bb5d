// PromptTuning.swift: prompt tuning (Lester et al. 2021, "The Power of Scale for Parameter-Efficient
// Prompt Tuning"): N trainable virtual-token embeddings (N, D) placed before every sequence's
// input embeddings through the graph's `virtualTokens` hook; the model is frozen. Initialization
// as PEFT: random N(0, 1) rows, or the embeddings of a text's tokens repeated/truncated to N.
// Positions: virtual tokens take 0 ... N−1 and the real tokens N ... (as in PEFT).
// PEFT folder: peft_type PROMPT_TUNING, tensor "prompt_embeddings" (N, D).
import Foundation
import Formats
import NN
import Tensor
import Training

/// Trainable virtual tokens.
public final class PromptTuningAdapter: Adapter, GraphHook {
    public let embeddings: Parameter       // (N, D)
    public var isEnabled = true
    public var initText: String?
    public var method: String { "prompt" }

    public init(embeddings: Parameter) { self.embeddings = embeddings }

    public var namedParameters: [(name: String, parameter: Parameter)] { [("prompt_embeddings", embeddings)] }

    public func virtualTokens(tape: Tape) -> Variable? { isEnabled ? embeddings : nil }

    /// Attaches N virtual tokens: from the embeddings of `initTokens` when given, else random.
    public static func apply(virtualTokens n: Int, initTokens: [Int32]?, to graph: LlamaTrainingGraph, random: RandomState?) throws -> PromptTuningAdapter {
        guard n >= 1 else { throw AdapterError("--virtual-tokens must be >= 1 (got \(n))") }
        let D = graph.config.dim, table = graph.embedTokens.value.pointer
        var values = [Float](repeating: 0, count: n * D)
        if let ids = initTokens, !ids.isEmpty {
            for i in 0..<n {
                let t = Int(ids[i % ids.count])
                guard t >= 0, t < graph.embedTokens.shape[0] else { throw AdapterError("init token \(t) is outside the vocabulary") }
                for d in 0..<D { values[i * D + d] = table[t * D + d] }
            }
        } else {
            let rng = random ?? RandomState(seed: 0)
            for i in 0..<values.count {   // Box–Muller
                let u = max(rng.uniform(), 1e-7), v = rng.uniform()
                values[i] = (-2 * Foundation.log(u)).squareRoot() * Foundation.cos(2 * Float.pi * v)
            }
        }
        graph.setFrozen(true)
        let a = PromptTuningAdapter(embeddings: Parameter(shape: [n, D], values: values))
        graph.hooks.append(a)
        return a
    }

    public func save(to directory: String, context: AdapterContext) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var w = SafetensorsWriter(metadata: ["format": "pt"])
        w.add("prompt_embeddings", floats: embeddings.value.array, shape: embeddings.shape)
        try w.write(to: directory + "/" + PEFTFolder.weightsFile)
        let c = context.graphConfig
        let cfg: [String: AnyCodable] = ["peft_type": "PROMPT_TUNING", "task_type": "CAUSAL_LM", "num_virtual_tokens": .int(embeddings.shape[0]),
                                         "token_dim": .int(c.dim), "num_transformer_submodules": 1, "num_attention_heads": .int(c.heads),
                                         "num_layers": .int(c.layers), "prompt_tuning_init": "RANDOM", "inference_mode": true,
                                         "base_model_name_or_path": context.baseModel.map { .string($0) } ?? .null,
                                         "tailor_init_text": initText.map { .string($0) } ?? .null]
        try writeJSON(cfg, to: directory + "/" + PEFTFolder.configFile)
    }

    public static func load(_ directory: String, into graph: LlamaTrainingGraph) throws -> PromptTuningAdapter {
        let path = directory + "/" + PEFTFolder.weightsFile
        let f = try SafetensorsFile(path: path)
        guard let info = f.tensorInfo("prompt_embeddings"), info.shape.count == 2, info.shape[1] == graph.config.dim else {
            throw AdapterError("\(path): needs 'prompt_embeddings' (N, \(graph.config.dim))")
        }
        graph.setFrozen(true)
        let a = PromptTuningAdapter(embeddings: Parameter(shape: info.shape, values: try f.floats("prompt_embeddings")))
        graph.hooks.append(a)
        return a
    }

    public static let entry = AdapterMethod(
        name: "prompt", summary: "prompt tuning: N trainable virtual-token embeddings before the input (PEFT PROMPT_TUNING)",
        attach: { o, g, _, rng in
            let a = try PromptTuningAdapter.apply(virtualTokens: o.virtualTokens, initTokens: o.initTokens, to: g, random: rng)
            a.initText = o.initText
            return a
        },
        load: { dir, g, _ in try PromptTuningAdapter.load(dir, into: g) },
        recognizes: { ($0["peft_type"] as? String) == "PROMPT_TUNING" })
}
