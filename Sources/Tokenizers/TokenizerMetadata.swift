// TokenizerMetadata.swift: the tokenizer description a Tokenizer is built from, field for field
// the `tokenizer.ggml.*` keys of a GGUF file (Loading fills it from a file; tests and other
// formats can fill it by hand), and the errors a bad description gives.

/// Everything needed to build a `Tokenizer`, named after the GGUF keys it comes from.
public struct TokenizerMetadata: Sendable {
    /// `tokenizer.ggml.model`: "gpt2" (byte-level BPE), "llama" (SentencePiece), "bert" (WordPiece).
    public var model: String
    /// `tokenizer.ggml.pre`: the BPE pre-tokenizer name; nil or unknown means "default".
    public var pre: String?
    /// `tokenizer.ggml.tokens`.
    public var tokens: [String]
    /// `tokenizer.ggml.scores` (SentencePiece merge priorities).
    public var scores: [Float]?
    /// `tokenizer.ggml.token_type` (see `TokenType`).
    public var tokenTypes: [Int32]?
    /// `tokenizer.ggml.merges`, "left right" per line, in rank order.
    public var merges: [String]?

    /// `tokenizer.ggml.bos_token_id` (for BERT, `cls_token_id` also sets it).
    public var bosID: Int?
    /// `tokenizer.ggml.eos_token_id`.
    public var eosID: Int?
    /// `tokenizer.ggml.eot_token_id` (else found by text, e.g. `<|im_end|>`).
    public var eotID: Int?
    /// `tokenizer.ggml.eom_token_id` (else `<|eom_id|>` if present).
    public var eomID: Int?
    /// `tokenizer.ggml.unknown_token_id`.
    public var unknownID: Int?
    /// `tokenizer.ggml.seperator_token_id` (sic, as llama.cpp spells the key).
    public var separatorID: Int?
    /// `tokenizer.ggml.padding_token_id`.
    public var paddingID: Int?
    /// `tokenizer.ggml.mask_token_id`.
    public var maskID: Int?
    /// `tokenizer.ggml.fim_{pre,suf,mid,pad,rep,sep}_token_id` (fill-in-the-middle; else found by text).
    public var fimPrefixID: Int?
    public var fimSuffixID: Int?
    public var fimMiddleID: Int?
    public var fimPadID: Int?
    public var fimRepoID: Int?
    public var fimSeparatorID: Int?

    /// `tokenizer.ggml.add_bos_token`, `add_eos_token`, `add_sep_token`.
    public var addBOS: Bool?
    public var addEOS: Bool?
    public var addSEP: Bool?
    /// `tokenizer.ggml.add_space_prefix` (SentencePiece: prefix the text with a space).
    public var addSpacePrefix: Bool?
    /// `tokenizer.ggml.normalizer.lowercase` / `.strip_accents` (WordPiece).
    public var lowercase: Bool?
    public var stripAccents: Bool?
    /// `general.name` and `general.architecture` (llama.cpp keys a few token-attribute fixes on them).
    public var modelName: String?
    public var architecture: String?

    /// A description with the required fields; set the optional ones as needed.
    public init(model: String, pre: String? = nil, tokens: [String], scores: [Float]? = nil,
                tokenTypes: [Int32]? = nil, merges: [String]? = nil) {
        self.model = model
        self.pre = pre
        self.tokens = tokens
        self.scores = scores
        self.tokenTypes = tokenTypes
        self.merges = merges
    }
}

/// A tokenizer description that cannot be used; the message names the offending key.
public enum TokenizerError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A required key is absent.
    case missingKey(String)
    /// A key is present but its value is unusable.
    case invalidValue(key: String, message: String)
    /// The value names something this library does not implement.
    case unsupported(key: String, value: String)

    public var description: String {
        switch self {
        case let .missingKey(k): "tokenizer: missing metadata key '\(k)'"
        case let .invalidValue(k, m): "tokenizer: bad value for '\(k)': \(m)"
        case let .unsupported(k, v): "tokenizer: unsupported '\(k)' = '\(v)'"
        }
    }
}

/// The tokenizer families.
public enum TokenizerKind: String, Sendable {
    /// Byte-level BPE (`gpt2`).
    case bytePairEncoding = "BPE"
    /// SentencePiece with byte fallback (`llama`).
    case sentencePiece = "SPM"
    /// BERT WordPiece (`bert`).
    case wordPiece = "WPM"
}
