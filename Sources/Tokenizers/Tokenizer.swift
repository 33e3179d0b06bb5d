// Tokenizer.swift: the public tokenizer: text <-> token ids for llama.cpp's vocab families
// (byte-level BPE, SentencePiece, WordPiece), with the same results as llama.cpp's
// llama_tokenize / llama_token_to_piece / llama_detokenize. Special tokens are cut out of the raw
// text first (llama.cpp's tokenizer_st_partition: longest first; user-defined tokens always,
// control tokens only with parseSpecial), then each text fragment goes to the family's encoder.
// Immutable after init, so one instance can be shared across threads.

/// A tokenizer built from GGUF-style metadata (see `TokenizerMetadata`).
public final class Tokenizer: Sendable {
    /// The family (BPE, SPM or WPM).
    public let kind: TokenizerKind
    /// The resolved BPE pre-tokenizer name (nil for SPM/WPM).
    public let preTokenizerName: String?
    /// Beginning-of-sequence id (CLS for BERT).
    public let bosID: Int32?
    /// End-of-sequence id.
    public let eosID: Int32?
    /// End-of-turn id (`<|im_end|>`, `<|eot_id|>`, ...), from metadata or found by text.
    public let eotID: Int32?
    /// End-of-message id (`<|eom_id|>`).
    public let eomID: Int32?
    public let unknownID: Int32?
    /// Separator id (SEP for BERT).
    public let separatorID: Int32?
    public let paddingID: Int32?
    public let maskID: Int32?
    /// Fill-in-the-middle ids, when the vocab has them.
    public let fimPrefixID: Int32?, fimSuffixID: Int32?, fimMiddleID: Int32?
    /// The newline token (llama.cpp's token_nl), if any.
    public let newlineID: Int32?
    /// Ids that end generation (llama.cpp's special_eog_ids: eos, eot, eom, `<|im_end|>`, ...).
    public let endOfGenerationIDs: Set<Int32>
    /// Whether `encode(addSpecial: true)` prepends BOS / appends EOS / (BERT) appends SEP.
    public let addBOS: Bool
    public let addEOS: Bool
    public let addSEP: Bool
    /// SentencePiece: prefix raw text with a space (and drop it again when decoding).
    public let addSpacePrefix: Bool
    /// Whether llama.cpp would tidy spaces around punctuation when detokenizing this vocab.
    public let cleanSpaces: Bool
    /// Non-fatal problems found while building (unknown pre-tokenizer, bad special ids, ...).
    public let warnings: [String]

    let vocab: Vocabulary
    let bpe: BytePairEncoder?
    let wpm: WordPieceEncoder
    let specialTokens: [Int32]
    /// llama.cpp's token_to_piece with special = true, for every id.
    let pieces: [[UInt8]]

    /// Builds a tokenizer; throws `TokenizerError` naming the bad key.
    public init(metadata: TokenizerMetadata) throws {
        let s = try TokenizerSetup(metadata)
        kind = s.kind
        preTokenizerName = s.preName
        vocab = s.vocab
        bpe = s.bpe
        wpm = s.wpm
        bosID = s.ids.bos; eosID = s.ids.eos; eotID = s.ids.eot; eomID = s.ids.eom
        unknownID = s.ids.unk; separatorID = s.ids.sep; paddingID = s.ids.pad; maskID = s.ids.mask
        fimPrefixID = s.ids.fimPre; fimSuffixID = s.ids.fimSuf; fimMiddleID = s.ids.fimMid
        endOfGenerationIDs = s.eog
        addBOS = s.addBOS; addEOS = s.addEOS; addSEP = s.addSEP
        addSpacePrefix = s.addSpacePrefix; cleanSpaces = s.cleanSpaces
        warnings = s.warnings
        specialTokens = s.specialTokens
        pieces = (0..<s.vocab.count).map { Tokenizer.makePiece(Int32($0), vocab: s.vocab, kind: s.kind) }
        switch s.kind {
        case .sentencePiece: newlineID = s.vocab.spmByteToken(0x0A) ?? s.ids.pad
        case .wordPiece: newlineID = s.ids.pad
        case .bytePairEncoding:
            var nl: [Int32] = []
            s.bpe?.encode([0x0A][...], vocab: s.vocab, into: &nl)
            newlineID = nl.first ?? s.ids.pad
        }
    }

    /// Number of tokens in the vocabulary.
    public var vocabularySize: Int { vocab.count }

    // MARK: encoding

    /// Token ids of `text`. `addSpecial` adds BOS/EOS (or CLS/SEP) as the vocab asks;
    /// `parseSpecial` lets control tokens written in the text (e.g. `<|im_start|>`) become single
    /// ids. User-defined tokens are always matched, as in llama.cpp.
    public func encode(_ text: String, addSpecial: Bool = true, parseSpecial: Bool = true) -> [Int32] {
        let bytes = Array(text.utf8)
        let fragments = partition(bytes, parseSpecial: parseSpecial)
        var out: [Int32] = []
        out.reserveCapacity(bytes.count / 3 + 4)
        switch kind {
        case .sentencePiece:
            if addSpecial && addBOS, let b = bosID { out.append(b) }
            var prevSpecial = true
            let spm = SentencePieceEncoder()
            for f in fragments {
                switch f {
                case let .text(r):
                    var t: [UInt8] = []
                    t.reserveCapacity(r.count + 8)
                    if addSpacePrefix && prevSpecial { t.append(contentsOf: [0xE2, 0x96, 0x81]) }
                    for b in bytes[r] {
                        if b == 0x20 { t.append(contentsOf: [0xE2, 0x96, 0x81]) } else { t.append(b) }
                    }
                    spm.encode(t, vocab: vocab, unknownID: unknownID, into: &out)
                    prevSpecial = false
                case let .token(id):
                    out.append(id)
                    prevSpecial = true
                }
            }
            if addSpecial && addEOS, let e = eosID { out.append(e) }
        case .bytePairEncoding:
            if addSpecial && addBOS, let b = bosID { out.append(b) }
            for f in fragments {
                switch f {
                case let .text(r): bpe!.encode(bytes[r], vocab: vocab, into: &out)
                case let .token(id): out.append(id)
                }
            }
            if addSpecial && addEOS, let e = eosID { out.append(e) }
        case .wordPiece:
            if addSpecial, let b = bosID { out.append(b) }
            for f in fragments {
                switch f {
                case let .text(r): wpm.encode(bytes[r], vocab: vocab, unknownID: unknownID, into: &out)
                case let .token(id): out.append(id)
                }
            }
            if addSpecial, let s = separatorID { out.append(s) }
        }
        return out
    }

    enum Fragment { case text(Range<Int>), token(Int32) }

    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }

    /// Splits raw text around special tokens, longest tokens first (tokenizer_st_partition).
    func partition(_ bytes: [UInt8], parseSpecial: Bool) -> [Fragment] {
        guard !bytes.isEmpty else { return [] }
        var frags: [Fragment] = [.text(0..<bytes.count)]
        var present = [Bool](repeating: false, count: 256)
        for b in bytes { present[Int(b)] = true }
        bytes.withUnsafeBufferPointer { bp in
            for id in specialTokens {
                let attr = vocab.attrs[Int(id)]
                if !parseSpecial && !attr.isDisjoint(with: [.control, .unknown]) { continue }
                let tok = vocab.texts[Int(id)]
                guard let first = tok.first, present[Int(first)], tok.count <= bytes.count else { continue }
                var next: [Fragment] = []
                var changed = false
                for f in frags {
                    guard case let .text(r) = f else { next.append(f); continue }
                    var lo = r.lowerBound
                    let hi = r.upperBound
                    while let m = Tokenizer.search(tok, in: bp, lo, hi) {
                        changed = true
                        var leftEnd = m
                        if attr.contains(.lstrip) { while leftEnd > lo && Tokenizer.isSpace(bp[leftEnd - 1]) { leftEnd -= 1 } }
                        if leftEnd > lo { next.append(.text(lo..<leftEnd)) }
                        next.append(.token(id))
                        lo = m + tok.count
                        if attr.contains(.rstrip) { while lo < hi && Tokenizer.isSpace(bp[lo]) { lo += 1 } }
                    }
                    if lo < hi { next.append(.text(lo..<hi)) }
                }
                if changed { frags = next }
            }
        }
        return frags
    }

    static func search(_ needle: [UInt8], in hay: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int) -> Int? {
        let n = needle.count
        guard n > 0, hi - lo >= n else { return nil }
        let first = needle[0]
        var i = lo
        let last = hi - n
        while i <= last {
            if hay[i] == first {
                var k = 1
                while k < n && hay[i + k] == needle[k] { k += 1 }
                if k == n { return i }
            }
            i += 1
        }
        return nil
    }

    // MARK: decoding

    static func makePiece(_ id: Int32, vocab: Vocabulary, kind: TokenizerKind) -> [UInt8] {
        let attr = vocab.attrs[Int(id)]
        let text = vocab.texts[Int(id)]
        if !attr.isDisjoint(with: [.unknown, .control, .userDefined]) { return text }
        switch kind {
        case .sentencePiece, .wordPiece:
            if attr.contains(.normal) { return unescapeSpaces(text) }
            if attr.contains(.byte), text.count == 6, let v = UInt8(String(decoding: text[3..<5], as: UTF8.self), radix: 16) {
                return [v]
            }
            return []
        case .bytePairEncoding:
            guard attr.contains(.normal) else { return [] }
            var out: [UInt8] = []
            for c in decodeCodepoints(text) {
                if c < 512, UnicodeTables.scalarToByte[Int(c)] >= 0 {
                    out.append(UInt8(UnicodeTables.scalarToByte[Int(c)]))
                } else {
                    // llama.cpp's llama_decode_text marks unmappable characters this way.
                    out.append(contentsOf: Array("[UNK_BYTE_0x".utf8))
                    for b in utf8(of: c) { out.append(contentsOf: Array(hex2(b).utf8)) }
                    out.append(contentsOf: text)
                    out.append(0x5D)
                }
            }
            return out
        }
    }

    static func hex2(_ b: UInt8) -> String {
        let d = Array("0123456789abcdef")
        return String([d[Int(b >> 4)], d[Int(b & 15)]])
    }

    static func unescapeSpaces(_ t: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(t.count)
        var i = 0
        while i < t.count {
            if i + 2 < t.count && t[i] == 0xE2 && t[i + 1] == 0x96 && t[i + 2] == 0x81 { out.append(0x20); i += 3 }
            else { out.append(t[i]); i += 1 }
        }
        return out
    }

    /// The bytes token `id` stands for (llama.cpp's token_to_piece). With `renderSpecial` false,
    /// control and unknown tokens give no bytes. Out-of-range ids give no bytes.
    public func tokenPiece(_ id: Int32, renderSpecial: Bool = true) -> [UInt8] {
        guard id >= 0 && Int(id) < vocab.count else { return [] }
        if !renderSpecial && vocab.has(id, [.control, .unknown]) { return [] }
        return pieces[Int(id)]
    }

    /// Text of `ids`: the token pieces concatenated, minus the leading space SentencePiece added
    /// (llama.cpp's detokenize with remove_special = false). Special tokens are rendered as their
    /// text unless `renderSpecial` is false. `cleanSpaces` applies llama.cpp's tidying of
    /// " ," / " 's" etc. when the vocab asks for it (off by default so that decoding is exact).
    public func decode(_ ids: [Int32], renderSpecial: Bool = true, cleanSpaces: Bool = false) -> String {
        var bytes: [UInt8] = []
        for (k, id) in ids.enumerated() {
            var p = tokenPiece(id, renderSpecial: renderSpecial)[...]
            if k == 0 && addSpacePrefix && p.first == 0x20 { p = p.dropFirst() }
            bytes.append(contentsOf: p)
        }
        if cleanSpaces && self.cleanSpaces { bytes = Tokenizer.tidySpaces(bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// llama.cpp's clean_spaces passes: " ?" " !" " ." " ," lose the space; " ' " loses both;
    /// " 's" " 'm" " 're" " 've" lose the space.
    static func tidySpaces(_ t: [UInt8]) -> [UInt8] {
        guard t.count > 1 else { return t }
        var a: [UInt8] = [t[0]]
        for i in 1..<t.count {
            let x = t[i]
            if t[i - 1] == 0x20 && (x == 0x3F || x == 0x21 || x == 0x2E || x == 0x2C) { a.removeLast() }
            a.append(x)
        }
        // Second pass works in place in llama.cpp: the space after " ' " is zeroed, so it no longer
        // counts as the space before a following apostrophe.
        var src = a
        var b: [UInt8] = [src[0]]
        var i = 1
        while i < src.count {
            let x = src[i]
            if x == 0x27 && i + 1 < src.count && src[i - 1] == 0x20 && src[i + 1] == 0x20 {
                b.removeLast(); src[i + 1] = 0; b.append(x); i += 2; continue
            }
            b.append(x); i += 1
        }
        guard b.count > 1 else { return b }
        var c: [UInt8] = [b[0]]
        for i in 1..<b.count {
            let x = b[i]
            if b[i - 1] == 0x20 && x == 0x27 && i + 1 < b.count {
                let x1 = b[i + 1]
                if x1 == 0x73 || x1 == 0x6D { c.removeLast() }
                else if i + 2 < b.count, (x1 == 0x72 || x1 == 0x76) && b[i + 2] == 0x65 { c.removeLast() }
            }
            c.append(x)
        }
        return c
    }

    // MARK: vocabulary queries

    /// The raw vocabulary entry of `id` (e.g. "Ġthe", "▁the", "<0x0A>"), or nil if out of range.
    public func tokenText(_ id: Int32) -> String? {
        guard id >= 0 && Int(id) < vocab.count else { return nil }
        return String(decoding: vocab.texts[Int(id)], as: UTF8.self)
    }

    /// The id of the vocabulary entry whose text is exactly `piece` (byte-exact), if any.
    public func tokenID(for piece: String) -> Int32? { vocab.find(piece) }

    /// llama.cpp's attributes of `id` (empty if out of range).
    public func attributes(of id: Int32) -> TokenAttributes {
        guard id >= 0 && Int(id) < vocab.count else { return [] }
        return vocab.attrs[Int(id)]
    }

    /// The SentencePiece score of `id` (0 when the vocab has none).
    public func score(of id: Int32) -> Float {
        guard id >= 0 && Int(id) < vocab.count else { return 0 }
        return vocab.scores[Int(id)]
    }

    /// Whether generating `id` should stop generation.
    public func isEndOfGeneration(_ id: Int32) -> Bool { endOfGenerationIDs.contains(id) }

    /// Whether `id` is a control token (rendered only when special tokens are rendered).
    public func isControl(_ id: Int32) -> Bool { attributes(of: id).contains(.control) }

    /// A decoder that turns ids into text one at a time, never splitting a character.
    public func makeStreamingDecoder(renderSpecial: Bool = true) -> StreamingDecoder {
        StreamingDecoder(tokenizer: self, renderSpecial: renderSpecial)
    }
}
