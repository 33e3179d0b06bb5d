// TokenizerSetup.swift: turns TokenizerMetadata into a ready configuration the way llama.cpp's
// llama_vocab::impl::load does: family defaults (special ids, add_bos/add_eos/add_sep, space
// prefix, space cleanup), pre-tokenizer choice, metadata overrides, detection of EOT/EOM/FIM
// tokens by text, the end-of-generation set, the special-token list used to split raw text, and
// the per-model attribute fixes (phi-3 rstrip, jina <mask> lstrip, gpt-oss markers).

struct SpecialIDs: Sendable {
    var bos: Int32?, eos: Int32?, eot: Int32?, eom: Int32?, unk: Int32?, sep: Int32?, pad: Int32?, mask: Int32?
    var fimPre: Int32?, fimSuf: Int32?, fimMid: Int32?, fimPad: Int32?, fimRep: Int32?, fimSep: Int32?
}

struct TokenizerSetup {
    var kind: TokenizerKind
    var vocab: Vocabulary
    var bpe: BytePairEncoder?
    var wpm = WordPieceEncoder()
    var preName: String?
    var ids = SpecialIDs()
    var addBOS = false, addEOS = false, addSEP = false, addSpacePrefix = false, cleanSpaces = false
    var eog: Set<Int32> = []
    var specialTokens: [Int32] = []
    var warnings: [String] = []

    // Texts llama.cpp recognises (llama-vocab.cpp), in the priority used when several exist.
    static let eotTexts = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
                           "<|end_of_text|>", "<EOT>", "_<EOT>", "<\u{FF5C}end\u{2581}of\u{2581}sentence\u{FF5C}>",
                           "<end_of_utterance>", "[EOT]"]
    static let eogTexts = ["<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
                           "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
                           "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>"]
    static let fimPreTexts = ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\u{FF5C}fim\u{2581}begin\u{FF5C}>",
                              "<PRE>", "\u{2581}<PRE>", "<|code_prefix|>", "<|prefix|>"]
    static let fimSufTexts = ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\u{FF5C}fim\u{2581}hole\u{FF5C}>",
                              "<SUF>", "\u{2581}<SUF>", "<|code_suffix|>", "<|suffix|>"]
    static let fimMidTexts = ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\u{FF5C}fim\u{2581}end\u{FF5C}>",
                              "<MID>", "\u{2581}<MID>", "<|code_middle|>", "<|middle|>"]
    static let fimPadTexts = ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"]
    static let fimRepTexts = ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"]
    static let fimSepTexts = ["<|file_sep|>"]

    init(_ m: TokenizerMetadata) throws {
        let n = m.tokens.count
        guard n > 0 else { throw TokenizerError.invalidValue(key: "tokenizer.ggml.tokens", message: "empty token list") }
        if let s = m.scores, s.count != n {
            throw TokenizerError.invalidValue(key: "tokenizer.ggml.scores", message: "\(s.count) scores for \(n) tokens")
        }
        if let t = m.tokenTypes, t.count != n {
            throw TokenizerError.invalidValue(key: "tokenizer.ggml.token_type", message: "\(t.count) types for \(n) tokens")
        }
        vocab = Vocabulary(tokens: m.tokens, scores: m.scores, types: m.tokenTypes)
        switch m.model {
        case "llama":
            kind = .sentencePiece
            ids.bos = 1; ids.eos = 2; ids.unk = 0
            addSpacePrefix = true; addBOS = true
        case "bert":
            kind = .wordPiece
            ids.bos = 101; ids.unk = 100; ids.sep = 102; ids.pad = 0; ids.mask = 103
            addBOS = true; addSEP = true; cleanSpaces = true
        case "gpt2":
            kind = .bytePairEncoding
            guard let merges = m.merges else { throw TokenizerError.missingKey("tokenizer.ggml.merges") }
            ids.bos = 11; ids.eos = 11
            let name = m.pre ?? "default"
            var spec: PreTokenizerSpec
            if let s = PreTokenizerPatterns.spec(for: name), m.pre != nil {
                spec = s
            } else {
                warnings.append("tokenizer: missing or unrecognized pre-tokenizer '\(m.pre ?? "")' (tokenizer.ggml.pre), using 'default'")
                spec = PreTokenizerPatterns.spec(for: "default")!
            }
            preName = spec.name
            cleanSpaces = spec.cleanSpaces
            if spec.forceAddBOS { addBOS = true }
            if spec.addSEP { addSEP = true }
            if spec.noBOS { ids.bos = nil }
            let pre: PreTokenizer
            do { pre = try PreTokenizer(regexes: spec.regexes) } catch {
                throw TokenizerError.invalidValue(key: "tokenizer.ggml.pre", message: "\(spec.name): \(error)")
            }
            bpe = BytePairEncoder(merges: merges, preTokenizer: pre, ignoreMerges: spec.ignoreMerges)
        case "":
            throw TokenizerError.missingKey("tokenizer.ggml.model")
        default:
            throw TokenizerError.unsupported(key: "tokenizer.ggml.model", value: m.model)
        }
        if let v = m.addSpacePrefix { addSpacePrefix = v }
        if let v = m.lowercase { wpm.lowercase = v; wpm.stripAccents = v }
        if let v = m.stripAccents { wpm.stripAccents = v }
        try applySpecialIDs(m)
        if let v = m.addBOS { addBOS = v }
        if let v = m.addEOS { addEOS = v }
        if let v = m.addSEP { addSEP = v }
        detectByText()
        buildEOG()
        buildSpecialList()
        applyAttributeFixes(m)
    }

    private mutating func applySpecialIDs(_ m: TokenizerMetadata) throws {
        let n = vocab.count
        func take(_ v: Int?, _ key: String, _ slot: inout Int32?) {
            guard let v else { return }
            if v >= 0 && v < n { slot = Int32(v) } else {
                warnings.append("tokenizer: bad special token '\(key)' = \(v), using default id \(slot.map(String.init) ?? "none")")
            }
        }
        take(m.bosID, "tokenizer.ggml.bos_token_id", &ids.bos)
        take(m.eosID, "tokenizer.ggml.eos_token_id", &ids.eos)
        take(m.eotID, "tokenizer.ggml.eot_token_id", &ids.eot)
        take(m.eomID, "tokenizer.ggml.eom_token_id", &ids.eom)
        take(m.unknownID, "tokenizer.ggml.unknown_token_id", &ids.unk)
        take(m.separatorID, "tokenizer.ggml.seperator_token_id", &ids.sep)
        take(m.paddingID, "tokenizer.ggml.padding_token_id", &ids.pad)
        take(m.maskID, "tokenizer.ggml.mask_token_id", &ids.mask)
        take(m.fimPrefixID, "tokenizer.ggml.fim_pre_token_id", &ids.fimPre)
        take(m.fimSuffixID, "tokenizer.ggml.fim_suf_token_id", &ids.fimSuf)
        take(m.fimMiddleID, "tokenizer.ggml.fim_mid_token_id", &ids.fimMid)
        take(m.fimPadID, "tokenizer.ggml.fim_pad_token_id", &ids.fimPad)
        take(m.fimRepoID, "tokenizer.ggml.fim_rep_token_id", &ids.fimRep)
        take(m.fimSeparatorID, "tokenizer.ggml.fim_sep_token_id", &ids.fimSep)
        // Family defaults (e.g. SPM's BOS = 1) may not exist in a tiny vocab.
        func check(_ slot: inout Int32?, _ what: String) {
            if let v = slot, Int(v) >= n {
                warnings.append("tokenizer: default \(what) id \(v) is outside the vocabulary of \(n); none used")
                slot = nil
            }
        }
        check(&ids.bos, "BOS"); check(&ids.eos, "EOS"); check(&ids.unk, "unknown"); check(&ids.sep, "separator")
        check(&ids.pad, "padding"); check(&ids.mask, "mask")
    }

    /// First token (by list priority) whose text is in `texts`; marks it CONTROL as llama.cpp does.
    private mutating func find(_ texts: [String]) -> Int32? {
        for t in texts {
            if let id = vocab.find(t) {
                markControl(id)
                return id
            }
        }
        return nil
    }

    private mutating func markControl(_ id: Int32) {
        if !vocab.attrs[Int(id)].contains(.control) {
            warnings.append("tokenizer: control-looking token \(id) '\(String(decoding: vocab.texts[Int(id)], as: UTF8.self))' was not control-type; treating it as control")
            vocab.attrs[Int(id)].insert(.control)
        }
    }

    private mutating func detectByText() {
        if ids.eot == nil { ids.eot = find(Self.eotTexts) }
        if ids.eom == nil { ids.eom = find(["<|eom_id|>"]) }
        if ids.fimPre == nil { ids.fimPre = find(Self.fimPreTexts) }
        if ids.fimSuf == nil { ids.fimSuf = find(Self.fimSufTexts) }
        if ids.fimMid == nil { ids.fimMid = find(Self.fimMidTexts) }
        if ids.fimPad == nil { ids.fimPad = find(Self.fimPadTexts) }
        if ids.fimRep == nil { ids.fimRep = find(Self.fimRepTexts) }
        if ids.fimSep == nil { ids.fimSep = find(Self.fimSepTexts) }
        // Control tokens named "unused..." are unused.
        let unused = Array("unused".utf8)
        for i in 0..<vocab.count where vocab.attrs[i].contains(.control) {
            let t = vocab.texts[i]
            if t.count >= unused.count, (0...(t.count - unused.count)).contains(where: { t[$0..<($0 + unused.count)].elementsEqual(unused) }) {
                vocab.attrs[i].insert(.unused)
            }
        }
    }

    private mutating func buildEOG() {
        for id in [ids.fimPad, ids.fimRep, ids.fimSep] { if let id { eog.insert(id) } }
        for t in Self.eogTexts {
            if let id = vocab.find(t) { eog.insert(id); markControl(id) }
        }
        for t in ["<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"] {
            if let id = vocab.find(t) { vocab.attrs[Int(id)] = .userDefined }
        }
        for id in [ids.eos, ids.eot, ids.eom] { if let id { eog.insert(id) } }
        // o200k_harmony / solar-open: with <|return|> and <|call|> (or <|calls|> and <|flush|>),
        // <|end|> is not end-of-generation.
        func inEOG(_ t: String) -> Bool { vocab.find(t).map { eog.contains($0) } ?? false }
        let hasCall = inEOG("<|call|>") || inEOG("<|calls|>")
        if let e = vocab.find("<|end|>"), eog.contains(e),
           (inEOG("<|return|>") && hasCall) || (hasCall && inEOG("<|flush|>")) {
            eog.remove(e)
            vocab.attrs[Int(e)] = .userDefined
        }
        // gemma4 / paddleocr: with <|tool_response>, </s> is ordinary text.
        if inEOG("<|tool_response>"), let s = vocab.find("</s>"), eog.contains(s) {
            eog.remove(s)
            vocab.attrs[Int(s)] = .normal
        }
    }

    private mutating func buildSpecialList() {
        let special: TokenAttributes = [.control, .userDefined, .unknown]
        let list = (0..<Int32(vocab.count)).filter { vocab.has($0, special) }
        specialTokens = list.sorted { a, b in
            let la = vocab.texts[Int(a)].count, lb = vocab.texts[Int(b)].count
            return la != lb ? la > lb : a < b
        }
    }

    private mutating func applyAttributeFixes(_ m: TokenizerMetadata) {
        let pre = m.pre ?? "", arch = m.architecture ?? "", name = (m.modelName ?? "").lowercased()
        func containsAny(_ s: String, _ subs: [String]) -> Bool { subs.contains { s.contains($0) } }
        if containsAny(pre, ["jina-v2-de", "jina-v2-es", "jina-v2-code"]) || containsAny(arch, ["nomic-bert-moe", "jina-bert-v3"]) {
            if let id = vocab.find("<mask>") { vocab.attrs[Int(id)].insert(.lstrip) }
        } else if containsAny(name, ["phi-3", "phi3"]) {
            for id in specialTokens { vocab.attrs[Int(id)].insert(.rstrip) }
            if let id = vocab.find("</s>") { vocab.attrs[Int(id)].insert(.rstrip) }
            for t in ["<unk>", "<s>", "<|endoftext|>"] {
                if let id = vocab.find(t) { vocab.attrs[Int(id)].remove(.rstrip) }
            }
        } else if name.contains("modern-bert"), let id = vocab.find("[MASK]") {
            vocab.attrs[Int(id)].insert(.lstrip)
        }
    }
}
