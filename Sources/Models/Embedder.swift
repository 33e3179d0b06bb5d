// Embedder.swift: the one text-embedder protocol. It lives in Models, the lowest layer both users
// import: Evaluation picks few-shot examples by similarity with it (TF-IDF fallback or MiniLM),
// Retrieval indexes and searches chunks with it (MiniLM BERT encoder, an LLM's mean-pooled
// hidden states).

/// Maps texts to fixed-length vectors; similar texts get a high cosine similarity.
public protocol Embedder {
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
