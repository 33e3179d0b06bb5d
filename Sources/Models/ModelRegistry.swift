// ModelRegistry.swift: architecture name (GGUF "general.architecture") -> model constructor.
// Adding an architecture is one file plus one line here.
import Tensor

public enum ModelRegistry {
    public typealias Factory = @Sendable (_ arch: String, _ config: ConfigSource, _ weights: WeightSource, _ pool: ThreadPool) throws -> LanguageModel

    static func llama(ropeNeox: Bool) -> Factory {
        { arch, cfg, w, pool in
            let emb = try w.matrix("token_embd.weight")
            return try LlamaModel(config: LlamaConfig(architecture: arch, source: cfg, ropeNeox: ropeNeox, embeddingRows: emb.rows),
                                  weights: w, pool: pool)
        }
    }

    public static let factories: [String: Factory] = [
        "llama": llama(ropeNeox: false),     // Llama 2/3, SmolLM/SmolLM2, Mistral (GGUF names it llama)
        "mistral": llama(ropeNeox: false),
        "qwen2": llama(ropeNeox: true),      // Qwen2 / Qwen2.5: NeoX RoPE, QKV biases
    ]

    public static var architectures: [String] { factories.keys.sorted() }

    /// Builds the model for `architecture`, or throws naming the supported ones.
    public static func makeModel(architecture: String, config: ConfigSource, weights: WeightSource, pool: ThreadPool) throws -> LanguageModel {
        guard let f = factories[architecture] else {
            throw ModelError.unsupportedArchitecture(origin: config.origin, name: architecture, known: architectures)
        }
        return try f(architecture, config, weights, pool)
    }
}
