// Tokenizer+Decoding.swift: ids -> bytes/text as llama.cpp's token_to_piece and detokenize do:
// per-token pieces (BPE: GPT-2 bytes decoded; SPM/WPM: U+2581 -> space, <0xXX> -> byte; special
// tokens as their text), SentencePiece's leading-space removal, and the optional clean_spaces tidy.

extension Tokenizer {
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

}
