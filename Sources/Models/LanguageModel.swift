// LanguageModel.swift: what every causal language model offers the layers above it, and the
// sources a model is built from (weights by tensor name, hyperparameters by key). Models know
// tensor and key *names*, never files: Loading adapts GGUF (and later safetensors) to these.
import Tensor

/// Tensors by checkpoint name.
public protocol WeightSource: AnyObject {
    /// A 2-D weight stored as (rows = out, cols = in).
    func matrix(_ name: String) throws -> WeightMatrix
    /// A 1-D tensor as f32.
    func vector(_ name: String) throws -> [Float]
    func contains(_ name: String) -> Bool
}

/// Hyperparameters by metadata key (e.g. "llama.block_count").
public protocol ConfigSource {
    func int(_ key: String) -> Int?
    func float(_ key: String) -> Float?
    func string(_ key: String) -> String?
    /// Describes where the keys come from, for error messages (a file path).
    var origin: String { get }
}

public enum ModelError: Error, CustomStringConvertible, Equatable {
    case missingKey(origin: String, key: String)
    case missingTensor(origin: String, name: String)
    case badTensor(origin: String, name: String, message: String)
    case unsupportedArchitecture(origin: String, name: String, known: [String])
    case invalidConfig(origin: String, message: String)
    case contextFull(needed: Int, capacity: Int)
    case tokenOutOfRange(id: Int32, vocab: Int)

    public var description: String {
        switch self {
        case let .missingKey(o, k): "\(o): missing hyperparameter '\(k)'"
        case let .missingTensor(o, n): "\(o): missing tensor '\(n)'"
        case let .badTensor(o, n, m): "\(o): tensor '\(n)': \(m)"
        case let .unsupportedArchitecture(o, n, known): "\(o): unsupported architecture '\(n)' (supported: \(known.joined(separator: ", ")))"
        case let .invalidConfig(o, m): "\(o): \(m)"
        case let .contextFull(n, c): "the sequence needs \(n) positions but the context holds \(c)"
        case let .tokenOutOfRange(id, v): "token id \(id) is outside the vocabulary (0..<\(v))"
        }
    }
}

/// A causal language model that runs tokens through a KV cache.
public protocol LanguageModel: AnyObject {
    var architecture: String { get }
    var vocabularySize: Int { get }
    /// The longest sequence the model was trained for.
    var contextLength: Int { get }
    var parameterCount: Int { get }

    /// A cache for up to `capacity` positions (f16 entries like llama.cpp's default, or f32).
    func makeCache(capacity: Int, precision: KVCache.Precision) -> KVCache

    /// Appends `tokens` to `cache` and returns logits: for the last token only (`count == 1`
    /// rows) or, when `allLogits`, for every token (tokens.count rows of vocabularySize).
    func forward(_ tokens: [Int32], cache: KVCache, allLogits: Bool) throws -> [Float]

    /// One step for several sequences: tokens[i] is appended to caches[i]; returns one logits
    /// row per sequence. Each weight is read once for the whole batch.
    func decodeBatch(_ tokens: [Int32], caches: [KVCache]) throws -> [Float]

    /// int8 (fast, as llama.cpp; `.int8Lanes` / `.int8Blocked` fix the summation order) or f32
    /// (exact) activations in matrix products.
    var activations: ActivationPrecision { get set }
    /// true (the default): `decodeBatch` runs the kernels single-sequence decoding runs, so each
    /// sequence's logits are bit-identical to decoding it alone, whatever else is in the batch.
    /// false: with `.int8` activations, batches of two or more sequences use `.int8Blocked` (one
    /// float sum per block: about 1.3-1.5x the throughput at 8 sequences), whose logits differ
    /// from solo decoding by int8-path rounding noise (as close to exact math as solo decoding).
    var batchInvariant: Bool { get set }
}

public extension ConfigSource {
    func requireInt(_ key: String) throws -> Int {
        guard let v = int(key) else { throw ModelError.missingKey(origin: origin, key: key) }
        return v
    }
    func requireFloat(_ key: String) throws -> Float {
        guard let v = float(key) else { throw ModelError.missingKey(origin: origin, key: key) }
        return v
    }
}
