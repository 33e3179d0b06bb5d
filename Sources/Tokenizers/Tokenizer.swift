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
    /// Unknown-token id (`<unk>`, `[UNK]`).
    public let unknownID: Int32?
    /// Separator id (SEP for BERT).
    public let separatorID: Int32?
    /// Padding id.
    public let paddingID: Int32?
    /// Mask id (BERT `[MASK]`).
    public let maskID: Int32?
    /// Fill-in-the-middle ids, when the vocab has them.
    public let fimPrefixID: Int32?, fimSuffixID: Int32?, fimMiddleID: Int32?
    /// The newline token (llama.cpp's token_nl), if any.
    public let newlineID: Int32?
    /// Ids that end generation (llama.cpp's special_eog_ids: eos, eot, eom, `<|im_end|>`, ...).
    public let endOfGenerationIDs: Set<Int32>
    /// Whether `encode(addSpecial: true)` prepends BOS / appends EOS / (BERT) appends SEP.
    public let addBOS: Bool
    /// See `addBOS`.
    public let addEOS: Bool
    /// See `addBOS` (WordPiece appends SEP whenever `addSpecial` is true, as llama.cpp does).
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
