// BertConfig.swift: a BERT encoder's hyperparameters, decoded from a Hugging Face config.json
// (keys as transformers' BertConfig). Only what the encoder needs; unknown keys are ignored.
import Foundation

/// Hyperparameters of a BERT encoder (transformers' `BertConfig` keys).
public struct BertConfig: Codable, Sendable, Equatable {
    public var modelType: String?
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var maxPositionEmbeddings: Int
    public var typeVocabSize: Int
    public var layerNormEps: Float
    public var hiddenAct: String
    public var positionEmbeddingType: String?

    enum CodingKeys: String, CodingKey {
        case modelType = "model_type", vocabSize = "vocab_size", hiddenSize = "hidden_size"
        case numHiddenLayers = "num_hidden_layers", numAttentionHeads = "num_attention_heads"
        case intermediateSize = "intermediate_size", maxPositionEmbeddings = "max_position_embeddings"
        case typeVocabSize = "type_vocab_size", layerNormEps = "layer_norm_eps", hiddenAct = "hidden_act"
        case positionEmbeddingType = "position_embedding_type"
    }

    /// Head dimension.
    public var headDim: Int { hiddenSize / numAttentionHeads }

    /// Decodes config.json at `path` and checks it describes an encoder this library runs.
    public static func load(path: String) throws -> BertConfig {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ModelError.invalidConfig(origin: path, message: "cannot read: \(error.localizedDescription)")
        }
        let c: BertConfig
        do { c = try JSONDecoder().decode(BertConfig.self, from: data) } catch let DecodingError.keyNotFound(k, _) {
            throw ModelError.missingKey(origin: path, key: k.stringValue)
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw ModelError.invalidConfig(origin: path, message: "field '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type")
        } catch {
            throw ModelError.invalidConfig(origin: path, message: "not a valid config.json")
        }
        try c.validate(origin: path)
        return c
    }

    /// Throws unless the shapes are consistent and the activation is supported.
    public func validate(origin: String) throws {
        func bad(_ m: String) -> ModelError { .invalidConfig(origin: origin, message: m) }
        if let t = modelType, !["bert"].contains(t) { throw bad("model_type '\(t)' is not a BERT encoder") }
        guard hiddenSize > 0, numAttentionHeads > 0, hiddenSize % numAttentionHeads == 0 else {
            throw bad("hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads)")
        }
        guard numHiddenLayers > 0, intermediateSize > 0, vocabSize > 0, maxPositionEmbeddings > 0 else {
            throw bad("layer count, sizes and vocab_size must be positive")
        }
        guard hiddenAct == "gelu" else { throw bad("hidden_act '\(hiddenAct)' is not supported (gelu)") }
        if let p = positionEmbeddingType, p != "absolute" {
            throw bad("position_embedding_type '\(p)' is not supported (absolute)")
        }
    }
}
