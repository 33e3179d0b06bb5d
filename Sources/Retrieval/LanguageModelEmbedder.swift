// LanguageModelEmbedder.swift: a causal LM (Llama family) as an Embedder: the final-norm hidden
// states of a text's tokens (BOS as the model's metadata asks), mean-pooled and L2-normalized,
// as llama.cpp's embedding mode with --pooling mean. Texts longer than `maxTokens` are cut.
import CKernels
import Models
import Tokenizers

/// Mean-pooled hidden states of a causal language model.
public final class LanguageModelEmbedder: Embedder {
    public let model: LlamaModel
    public let tokenizer: Tokenizer
    public let name: String
    public var maxTokens = 512
    public let normalizes = true

    public init(model: LlamaModel, tokenizer: Tokenizer, name: String) {
        self.model = model; self.tokenizer = tokenizer; self.name = name
    }

    public var dimension: Int { model.config.dim }
    public var identity: String { "llm:\(name):\(dimension):mean:norm:\(maxTokens)" }

    public func countTokens(_ text: String) -> Int { tokenizer.encode(text, addSpecial: false, parseSpecial: false).count }

    public func embed(_ texts: [String]) throws -> [[Float]] {
        try texts.map { text in
            var ids = tokenizer.encode(text, addSpecial: true, parseSpecial: false)
            if ids.count > maxTokens { ids.removeSubrange(maxTokens...) }
            let D = dimension
            guard !ids.isEmpty else { return [Float](repeating: 0, count: D) }
            let h = try model.hiddenStates(ids)
            var v = [Float](repeating: 0, count: D)
            h.withUnsafeBufferPointer { hp in
                v.withUnsafeMutableBufferPointer { vp in
                    for t in 0..<ids.count { tk_add(vp.baseAddress!, hp.baseAddress! + t * D, Int64(D)) }
                    tk_scale(vp.baseAddress!, 1 / Float(ids.count), Int64(D))
                }
            }
            Vectors.normalize(&v)
            return v
        }
    }
}
