// PreTokenizer.swift: byte-level BPE pre-tokenizers, as llama.cpp's llm_tokenizer_bpe picks them
// from `tokenizer.ggml.pre` (name -> list of regexes applied one after another, each splitting the
// pieces left by the previous one into matches and gaps). The GPT-2 and Llama-3 patterns use
// hand-written matchers (llama.cpp's unicode_regex_split_custom_*); the rest run on MiniRegex
// over llama.cpp's "collapsed" text; digit grouping (afmoe, tiny_aya) and Kimi-K2 have their own
// matchers too. Names llama.cpp knows but that need code not written here (gemma4, sarvam-moe and
// whitespace, which skip the byte mapping) are unknown here and fall back to "default".

/// Options a `tokenizer.ggml.pre` name implies besides its regexes.
struct PreTokenizerSpec: Sendable {
    var name: String
    var regexes: [String]
    var cleanSpaces = true
    var ignoreMerges = false
    var forceAddBOS = false
    var addSEP = false
    var noBOS = false
}

enum PreTokenizerPatterns {
    static let gpt2 = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)"#
    static let llama3 = #"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let llama3Orig = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2 = #"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let cjk = "[\u{4E00}-\u{9FA5}\u{0800}-\u{4E00}\u{AC00}-\u{D7FF}]+"
    static let deepseekLetters = "\\s?[A-Za-z\u{B5}\u{C0}-\u{D6}\u{D8}-\u{F6}\u{F8}-\u{1BA}\u{1BC}-\u{1BF}\u{1C4}-\u{293}\u{295}-\u{2AF}\u{370}-\u{373}\u{376}\u{377}\u{37B}-\u{37D}\u{37F}\u{386}\u{388}-\u{38A}\u{38C}\u{38E}-\u{3A1}\u{3A3}-\u{3F5}\u{3F7}-\u{481}\u{48A}-\u{52F}\u{531}-\u{556}\u{10A0}-\u{10C5}\u{13A0}-\u{13F5}\u{13F8}-\u{13FD}\u{1C90}-\u{1CBA}\u{1CBD}-\u{1CBF}\u{1D00}-\u{1D2B}\u{1D6B}-\u{1D77}\u{1D79}-\u{1D9A}\u{1E00}-\u{1F15}\u{1F18}-\u{1F1D}\u{1F20}-\u{1F45}\u{1F48}-\u{1F4D}\u{1F50}-\u{1F57}\u{1F59}\u{1F5B}\u{1F5D}\u{1F5F}-\u{1F7D}\u{1F80}-\u{1FB4}\u{1FB6}-\u{1FBC}\u{1FBE}\u{1FC2}-\u{1FC4}\u{1FC6}-\u{1FCC}\u{1FD0}-\u{1FD3}\u{1FD6}-\u{1FDB}\u{1FE0}-\u{1FEC}\u{1FF2}-\u{1FF4}\u{1FF6}-\u{1FFC}\u{2102}\u{2107}\u{210A}-\u{2113}\u{2115}\u{2119}-\u{211D}\u{2124}\u{2126}\u{2128}\u{212A}-\u{212D}\u{212F}-\u{2134}\u{2139}\u{213C}-\u{213F}\u{2145}-\u{2149}\u{214E}\u{2183}\u{2184}\u{2C00}-\u{2C7B}\u{2C7E}-\u{2CE4}\u{2CEB}-\u{2CEE}\u{2CF2}\u{2CF3}\u{A640}-\u{A66D}\u{A680}-\u{A69B}\u{A722}-\u{A76F}\u{A771}-\u{A787}\u{A78B}-\u{A78E}\u{AB70}-\u{ABBF}\u{FB00}-\u{FB06}\u{FB13}-\u{FB17}\u{FF21}-\u{FF3A}\u{FF41}-\u{FF5A}\u{10400}-\u{1044F}\u{104B0}-\u{104D3}\u{104D8}-\u{104FB}\u{10C80}-\u{10CB2}\u{10CC0}-\u{10CF2}\u{118A0}-\u{118DF}\u{1E900}-\u{1E943}]+"
    static let deepseekPunct = "\\s?[!-/:-~\u{FF01}-\u{FF0F}\u{FF1A}-\u{FF5E}\u{2018}-\u{201F}\u{3000}-\u{3002}]+"
    static let deepseek3 = ##"[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"##
    static let bloom = " ?[^(\\s|.,!?\u{2026}\u{3002}\u{FF0C}\u{3001}\u{0964}\u{06D4}\u{060C})]+"
    static let tekken = #"[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let gpt4o = #"[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let bailing = #"'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"#
    static let seedCoder = #"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// Options and regexes for a pre-tokenizer name; nil if unknown.
    static func spec(for name: String) -> PreTokenizerSpec? {
        func s(_ r: [String], clean: Bool = true) -> PreTokenizerSpec {
            PreTokenizerSpec(name: name, regexes: r, cleanSpaces: clean)
        }
        let starcoder = [#"\p{N}"#, gpt2]
        switch name {
        case "default":
            return s([#"[\p{P}\$\+<=>\^~\|]+"#, gpt2, #"\p{N}+"#, "[0-9][0-9][0-9]"])
        case "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano":
            var p = s([llama3]); p.ignoreMerges = true; p.forceAddBOS = true; return p
        case "dbrx", "smaug-bpe": return s([llama3])
        case "deepseek-llm":
            return s(["[\r\n]", deepseekLetters, deepseekPunct, "\\s+$", cjk, #"\p{N}+"#], clean: false)
        case "deepseek-coder":
            return s(["[\r\n]", #"\s?\p{L}+"#, #"\s?\p{P}+"#, cjk, #"\p{N}"#], clean: false)
        case "deepseek-v3", "hunyuan-dense":
            return s([#"\p{N}{1,3}"#, "[\u{4E00}-\u{9FA5}\u{3040}-\u{309F}\u{30A0}-\u{30FF}]+", deepseek3], clean: false)
        case "falcon": return s([#"[\p{P}\$\+<=>\^~\|`]+"#, gpt2, "[0-9][0-9][0-9]"])
        case "starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2": return s(starcoder)
        case "command-r", "smollm": return s(starcoder, clean: false)
        case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0",
             "mellum", "mpt", "olmo", "jais", "exaone4", "modern-bert":
            return s([gpt2])
        case "jina-v1-en", "jina-v2-code", "roberta-bpe":
            var p = s([gpt2]); p.addSEP = true; return p
        case "trillion", "granite-docling": return s([gpt2], clean: false)
        case "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "grok-2", "solar-open":
            return s([qwen2], clean: false)
        case "megrez", "stablelm2": return s([qwen2])
        case "poro-chat": return s([bloom], clean: false)
        case "bloom", "gpt3-finnish": return s([bloom])
        case "glm4", "glm5", "chatglm-bpe": var p = s([llama3]); p.noBOS = true; p.ignoreMerges = name != "chatglm-bpe"; return p
        case "viking": return s([bloom, #"\p{N}"#], clean: false)
        case "tekken":
            var p = s([tekken], clean: false); p.ignoreMerges = true; p.forceAddBOS = true; return p
        case "chameleon":
            var p = s(["<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z", "([\\t\\n]|    |  )",
                       #"\p{N}"#, #"[\p{P}!-/:-@\[-`{-~]"#, gpt2], clean: false)
            p.forceAddBOS = true
            return p
        case "gpt-4o", "llama4", "minimax-m2", "kanana2", "talkie": return s([gpt4o], clean: false)
        case "superbpe": return s([#"\p{N}+"#, #"(?=(\d{3})+(?!\d))"#], clean: false)
        case "bailingmoe", "bailingmoe2", "llada-moe": return s([bailing], clean: false)
        case "seed-coder": return s([seedCoder], clean: false)
        default: return recentSpec(for: name)
        }
    }
}

/// A compiled pre-tokenizer: splits code points into words.
struct PreTokenizer: Sendable {
    enum Step: Sendable { case gpt2, llama3, digitGroups, kimiK2, regex(MiniRegex) }
    let steps: [Step]
    let needsCollapse: Bool

    init(regexes: [String]) throws {
        var st: [Step] = []
        for r in regexes {
            if r == PreTokenizerPatterns.gpt2 { st.append(.gpt2) }
            else if r == PreTokenizerPatterns.llama3 || r == PreTokenizerPatterns.llama3Orig { st.append(.llama3) }
            else if r == #"\p{AFMoE_digits}"# || r == #"\d{1,3}(?=(?:\d{3})*\b)"# { st.append(.digitGroups) }
            else if r == #"\p{Han}+"# { st.append(.kimiK2) }
            else { st.append(.regex(try MiniRegex(r))) }
        }
        steps = st
        needsCollapse = st.contains { if case let .regex(m) = $0 { m.usesCategories } else { false } }
    }

    /// Word lengths (in code points) covering `cpts`.
    func split(_ cpts: [UInt32]) -> [Int] {
        guard !cpts.isEmpty else { return [] }
        let flags = cpts.map(codepointFlags)
        var offsets = [cpts.count]
        var collapsed: [UInt32] = []
        var wide: [UInt32] = []
        for step in steps {
            switch step {
            case .gpt2: offsets = splitGPT2(cpts, flags, offsets)
            case .llama3: offsets = splitLlama3(cpts, flags, offsets)
            case .digitGroups: offsets = splitDigitGroups(cpts, flags, offsets)
            case .kimiK2: offsets = splitKimiK2(cpts, flags, offsets)
            case let .regex(m):
                if m.usesCategories {
                    if collapsed.isEmpty { collapsed = PreTokenizer.collapse(cpts, flags) }
                    offsets = m.split(collapsed, offsets: offsets)
                } else {
                    if wide.isEmpty {
                        wide = zip(cpts, flags).map { c, f in c > 0x7F && f.isWhitespace ? 0x0B : c }
                    }
                    offsets = m.split(wide, offsets: offsets)
                }
            }
        }
        return offsets
    }

    /// llama.cpp's collapsed text: ASCII kept, other code points -> one byte per category.
    static func collapse(_ cpts: [UInt32], _ flags: [CodepointFlags]) -> [UInt32] {
        var out = [UInt32](repeating: 0, count: cpts.count)
        for i in 0..<cpts.count {
            let c = cpts[i]
            if c < 128 { out[i] = c; continue }
            let f = flags[i]
            if f.isWhitespace { out[i] = 0x0B }
            else if f.contains(.number) { out[i] = 0xD1 }
            else if f.contains(.letter) { out[i] = 0xD2 }
            else if f.contains(.punctuation) { out[i] = 0xD3 }
            else if f.contains(.accentMark) { out[i] = 0xD4 }
            else if f.contains(.symbol) { out[i] = 0xD5 }
            else { out[i] = 0xD0 }
        }
        return out
    }
}
