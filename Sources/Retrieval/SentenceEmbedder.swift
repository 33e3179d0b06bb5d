// SentenceEmbedder.swift: a sentence-transformers model folder (all-MiniLM-L6-v2 and kin) as an
// Embedder: tokenizer.json (BertWordPieceTokenizer), config.json + model.safetensors
// (BertEncoder), max_seq_length from sentence_bert_config.json, pooling from
// 1_Pooling/config.json (mean only) and L2 normalization when modules.json lists Normalize.
// Texts are encoded in batches sorted by length (as sentence-transformers does), run packed.
import CKernels
import Foundation
import Formats
import Models
import Tensor
import Tokenizers

/// Embeds texts with a sentence-transformers BERT model read from its folder.
public final class SentenceEmbedder: Embedder, @unchecked Sendable {
    public let folder: URL
    public let tokenizer: BertWordPieceTokenizer
    public let encoder: BertEncoder
    /// Tokens per text including [CLS] and [SEP] (sentence_bert_config.json's max_seq_length).
    public let maxSequenceLength: Int
    public let normalizes: Bool
    /// Texts per forward pass.
    public var batchSize = 32
    public let name: String

    public var dimension: Int { encoder.config.hiddenSize }
    public var identity: String {
        "\(name):bert:\(dimension):mean:\(normalizes ? "norm" : "raw"):\(maxSequenceLength)"
    }

    /// Loads the folder; errors name the file and field. `maxLength` overrides the
    /// folder's (up to max_position_embeddings).
    public init(folder: URL, name: String? = nil, maxLength: Int? = nil, pool: ThreadPool) throws {
        self.folder = folder
        self.name = name ?? folder.lastPathComponent
        func path(_ p: String) -> String { folder.appendingPathComponent(p).path }
        func json(_ p: String) throws -> [String: Any]? {
            guard FileManager.default.fileExists(atPath: path(p)) else { return nil }
            guard let d = FileManager.default.contents(atPath: path(p)),
                  let o = (try? JSONSerialization.jsonObject(with: d)) as? [String: Any] else {
                throw EmbedderError.badFile(path: path(p), message: "not a JSON object")
            }
            return o
        }
        let config = try BertConfig.load(path: path("config.json"))
        tokenizer = try BertWordPieceTokenizer(path: path("tokenizer.json"))
        guard tokenizer.tokens.count <= config.vocabSize else {
            throw EmbedderError.badFile(path: path("tokenizer.json"), message: "\(tokenizer.tokens.count) tokens but the model has \(config.vocabSize)")
        }
        let st = try SafetensorsFile(path: path("model.safetensors"))
        encoder = try BertEncoder(config: config, weights: SafetensorsWeights(file: st), pool: pool)
        var maxLen = config.maxPositionEmbeddings
        if let sb = try json("sentence_bert_config.json"), let m = sb["max_seq_length"] as? Int { maxLen = m }
        if let m = maxLength { maxLen = m }
        guard maxLen >= 2, maxLen <= config.maxPositionEmbeddings else {
            throw EmbedderError.badFile(path: path("sentence_bert_config.json"),
                                        message: "max_seq_length \(maxLen) is outside 2...\(config.maxPositionEmbeddings)")
        }
        maxSequenceLength = maxLen
        if let p = try json("1_Pooling/config.json") {
            let other = ["pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens"]
            if let bad = other.first(where: { p[$0] as? Bool == true }) {
                throw EmbedderError.badFile(path: path("1_Pooling/config.json"), message: "\(bad) is not supported (mean pooling only)")
            }
        }
        var norm = false
        if let d = FileManager.default.contents(atPath: path("modules.json")) {
            guard let mods = (try? JSONSerialization.jsonObject(with: d)) as? [[String: Any]] else {
                throw EmbedderError.badFile(path: path("modules.json"), message: "not a JSON array of modules")
            }
            norm = mods.contains { ($0["type"] as? String)?.hasSuffix(".Normalize") == true }
        }
        normalizes = norm
    }

    /// Token ids for `text` as the model sees them ([CLS] ... [SEP], truncated).
    public func tokenize(_ text: String) -> [Int32] { tokenizer.encode(text, maxLength: maxSequenceLength) }

    public func countTokens(_ text: String) -> Int { tokenizer.pieceIDs(text).count }

    public func embed(_ texts: [String]) throws -> [[Float]] {
        try embed(texts, progress: nil)
    }

    /// Embeds `texts`, calling `progress(done)` after each batch.
    public func embed(_ texts: [String], progress: ((Int) -> Void)?) throws -> [[Float]] {
        let ids = texts.map(tokenize)
        let order = ids.indices.sorted { ids[$0].count > ids[$1].count }
        var out = [[Float]](repeating: [], count: texts.count)
        let C = dimension
        var done = 0
        for start in stride(from: 0, to: order.count, by: max(1, batchSize)) {
            let idx = Array(order[start..<min(order.count, start + max(1, batchSize))])
            let (hidden, offsets) = encoder.forward(idx.map { ids[$0] })
            hidden.withUnsafeBufferPointer { h in
                for (b, i) in idx.enumerated() {
                    let r0 = Int(offsets[b]), r1 = Int(offsets[b + 1])
                    var v = [Float](repeating: 0, count: C)
                    v.withUnsafeMutableBufferPointer { vp in
                        for r in r0..<r1 { tk_add(vp.baseAddress!, h.baseAddress! + r * C, Int64(C)) }
                        tk_scale(vp.baseAddress!, 1 / Float(r1 - r0), Int64(C))
                    }
                    if normalizes { Vectors.normalize(&v) }
                    out[i] = v
                }
            }
            done += idx.count
            progress?(done)
        }
        return out
    }
}

/// A model folder or embedding request that cannot be used.
public enum EmbedderError: Error, CustomStringConvertible, Equatable {
    case badFile(path: String, message: String)

    public var description: String {
        switch self {
        case let .badFile(p, m): "\(p): \(m)"
        }
    }
}
