// GGUFTokenizer.swift: the bridge from a GGUF file's `tokenizer.ggml.*` metadata to a Tokenizer.
// Reads the keys llama.cpp's llama_vocab::load reads; type errors (a key present with the wrong
// type) and missing required keys give a one-line error naming the key.
import Formats
import Tokenizers

extension TokenizerMetadata {
    /// Reads the tokenizer description of `file`.
    public init(gguf file: GGUFFile) throws {
        func need<T>(_ key: String, _ v: T?) throws -> T {
            guard let v else {
                if file[key] == nil { throw TokenizerError.missingKey(key) }
                throw TokenizerError.invalidValue(key: key, message: "unexpected value type")
            }
            return v
        }
        func opt<T>(_ key: String, _ read: (String) -> T?) throws -> T? {
            guard file[key] != nil else { return nil }
            guard let v = read(key) else {
                throw TokenizerError.invalidValue(key: key, message: "unexpected value type")
            }
            return v
        }
        let model = try need("tokenizer.ggml.model", file.string("tokenizer.ggml.model"))
        let tokens = try need("tokenizer.ggml.tokens", file.strings("tokenizer.ggml.tokens"))
        self.init(model: model, tokens: tokens)
        pre = try opt("tokenizer.ggml.pre", file.string)
        scores = try opt("tokenizer.ggml.scores", file.doubles)?.map(Float.init)
        tokenTypes = try opt("tokenizer.ggml.token_type", file.ints)?.map { Int32(truncatingIfNeeded: $0) }
        merges = try opt("tokenizer.ggml.merges", file.strings)
        bosID = try opt("tokenizer.ggml.bos_token_id", file.int) ?? opt("tokenizer.ggml.cls_token_id", file.int)
        eosID = try opt("tokenizer.ggml.eos_token_id", file.int)
        eotID = try opt("tokenizer.ggml.eot_token_id", file.int)
        eomID = try opt("tokenizer.ggml.eom_token_id", file.int)
        unknownID = try opt("tokenizer.ggml.unknown_token_id", file.int)
        separatorID = try opt("tokenizer.ggml.seperator_token_id", file.int)
        paddingID = try opt("tokenizer.ggml.padding_token_id", file.int)
        maskID = try opt("tokenizer.ggml.mask_token_id", file.int)
        fimPrefixID = try opt("tokenizer.ggml.fim_pre_token_id", file.int) ?? opt("tokenizer.ggml.prefix_token_id", file.int)
        fimSuffixID = try opt("tokenizer.ggml.fim_suf_token_id", file.int) ?? opt("tokenizer.ggml.suffix_token_id", file.int)
        fimMiddleID = try opt("tokenizer.ggml.fim_mid_token_id", file.int) ?? opt("tokenizer.ggml.middle_token_id", file.int)
        fimPadID = try opt("tokenizer.ggml.fim_pad_token_id", file.int)
        fimRepoID = try opt("tokenizer.ggml.fim_rep_token_id", file.int)
        fimSeparatorID = try opt("tokenizer.ggml.fim_sep_token_id", file.int)
        addBOS = try opt("tokenizer.ggml.add_bos_token", file.bool)
        addEOS = try opt("tokenizer.ggml.add_eos_token", file.bool)
        addSEP = try opt("tokenizer.ggml.add_sep_token", file.bool)
        addSpacePrefix = try opt("tokenizer.ggml.add_space_prefix", file.bool)
        lowercase = try opt("tokenizer.ggml.normalizer.lowercase", file.bool)
        stripAccents = try opt("tokenizer.ggml.normalizer.strip_accents", file.bool)
        modelName = file.string("general.name")
        architecture = file.string("general.architecture")
    }
}

extension GGUFFile {
    /// The tokenizer described by this file's `tokenizer.ggml.*` metadata.
    public func makeTokenizer() throws -> Tokenizer {
        try Tokenizer(metadata: TokenizerMetadata(gguf: self))
    }
}

extension Tokenizer {
    /// Opens the GGUF file at `path` and builds its tokenizer.
    public static func load(ggufPath path: String) throws -> Tokenizer {
        try GGUFFile(path: path).makeTokenizer()
    }
}
