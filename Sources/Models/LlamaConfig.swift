// LlamaConfig.swift: hyperparameters of the Llama family (Llama 2/3, SmolLM, Mistral, Qwen2),
// read from "<arch>.*" metadata keys as llama.cpp names them.

public struct LlamaConfig: Codable, Sendable, Equatable {
    public var architecture: String
    public var layers: Int
    public var dim: Int
    public var ffnDim: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var normEps: Float
    public var ropeBase: Float
    public var ropeDimensions: Int
    /// Multiplies positions: 1 / the linear scaling factor.
    public var ropePositionScale: Float
    public var ropeNeox: Bool
    public var contextLength: Int
    public var vocabSize: Int

    /// Reads the config for `architecture` from `source`. `vocabSize` comes from the embedding
    /// tensor when the metadata lacks it.
    public init(architecture arch: String, source s: ConfigSource, ropeNeox: Bool, embeddingRows: Int) throws {
        architecture = arch
        layers = try s.requireInt("\(arch).block_count")
        dim = try s.requireInt("\(arch).embedding_length")
        ffnDim = try s.requireInt("\(arch).feed_forward_length")
        heads = try s.requireInt("\(arch).attention.head_count")
        kvHeads = s.int("\(arch).attention.head_count_kv") ?? heads
        headDim = s.int("\(arch).attention.key_length") ?? (heads > 0 ? dim / heads : 0)
        normEps = try s.requireFloat("\(arch).attention.layer_norm_rms_epsilon")
        ropeBase = s.float("\(arch).rope.freq_base") ?? 10000
        ropeDimensions = s.int("\(arch).rope.dimension_count") ?? headDim
        contextLength = s.int("\(arch).context_length") ?? 2048
        vocabSize = s.int("\(arch).vocab_size") ?? embeddingRows
        self.ropeNeox = ropeNeox
        ropePositionScale = 1
        let scaling = s.string("\(arch).rope.scaling.type") ?? "none"
        switch scaling {
        case "none": break
        case "linear":
            let f = s.float("\(arch).rope.scaling.factor") ?? 1
            ropePositionScale = f > 0 ? 1 / f : 1
        default:
            throw ModelError.invalidConfig(origin: s.origin, message: "rope scaling type '\(scaling)' is not supported (none, linear)")
        }
        if let f = s.float("\(arch).rope.scale_linear"), f > 0 { ropePositionScale = 1 / f }
        try validate(origin: s.origin)
    }

    func validate(origin: String) throws {
        func bad(_ m: String) -> ModelError { .invalidConfig(origin: origin, message: m) }
        guard layers > 0, dim > 0, ffnDim > 0, heads > 0, kvHeads > 0, headDim > 0 else {
            throw bad("layer, width and head counts must be positive")
        }
        guard headDim <= 512 else { throw bad("head size \(headDim) is larger than 512") }
        guard heads % kvHeads == 0 else { throw bad("head_count \(heads) is not a multiple of head_count_kv \(kvHeads)") }
        guard ropeDimensions > 0, ropeDimensions <= headDim, ropeDimensions % 2 == 0 else {
            throw bad("rope.dimension_count \(ropeDimensions) must be even and at most the head size \(headDim)")
        }
        guard vocabSize > 0 else { throw bad("vocabulary is empty") }
    }
}
