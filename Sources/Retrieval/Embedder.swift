// Embedder.swift: what the Retrieval layer needs of a text embedder. The sentence-transformers
// encoder (SentenceEmbedder) and, later, an LLM's mean-pooled hidden states conform.
// (Evaluation/Prompting has a compatible `embed(_:)` requirement; the two unify on merge.)

/// Maps texts to fixed-length vectors; similar texts get a high cosine similarity.
public protocol Embedder: AnyObject {
    /// Names the model and its settings exactly (stored with an index, so a store refuses
    /// vectors of another model), e.g. "minilm:all-MiniLM-L6-v2:384:mean:norm:256".
    var identity: String { get }
    /// Length of every vector.
    var dimension: Int { get }
    /// Whether vectors come out with unit L2 norm (then cosine similarity is a dot product).
    var normalizes: Bool { get }
    /// One vector per text, in order.
    func embed(_ texts: [String]) throws -> [[Float]]
    /// Tokens the model sees in `text` (no special tokens), for sizing chunks.
    func countTokens(_ text: String) -> Int
}

extension Embedder {
    /// Whitespace-separated words, for embedders without a tokenizer.
    public func countTokens(_ text: String) -> Int { text.split(whereSeparator: \.isWhitespace).count }
}
