// StreamingDecoder.swift: incremental detokenization for generation loops. Token pieces are
// byte strings that may end inside a UTF-8 character (byte-fallback and byte-level BPE split
// emoji and CJK across tokens); the decoder holds such a tail back until it is complete, so every
// string it returns is whole characters, and the concatenation of all returns equals `decode`.

/// Turns token ids into text one id at a time (see `Tokenizer.makeStreamingDecoder`).
public struct StreamingDecoder: Sendable {
    private let tokenizer: Tokenizer
    private let renderSpecial: Bool
    private var pending: [UInt8] = []
    private var isFirst = true

    /// A decoder for `tokenizer`; `renderSpecial` false drops control tokens' text.
    public init(tokenizer: Tokenizer, renderSpecial: Bool = true) {
        self.tokenizer = tokenizer
        self.renderSpecial = renderSpecial
    }

    /// Adds one id; returns the text that is now complete (possibly empty).
    public mutating func append(_ id: Int32) -> String {
        var p = tokenizer.tokenPiece(id, renderSpecial: renderSpecial)[...]
        if isFirst && tokenizer.addSpacePrefix && p.first == 0x20 { p = p.dropFirst() }
        isFirst = false
        pending.append(contentsOf: p)
        let cut = StreamingDecoder.completePrefixLength(pending)
        guard cut > 0 else { return "" }
        let s = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return s
    }

    /// Adds several ids; returns the text that is now complete.
    public mutating func append(contentsOf ids: [Int32]) -> String {
        var s = ""
        for id in ids { s += append(id) }
        return s
    }

    /// Returns whatever is held back (an incomplete character becomes U+FFFD) and resets.
    public mutating func finish() -> String {
        let s = String(decoding: pending, as: UTF8.self)
        pending.removeAll()
        isFirst = true
        return s
    }

    /// Bytes held back waiting for the rest of a character.
    public var pendingByteCount: Int { pending.count }

    /// Length of the longest prefix that does not end in an unfinished (but so far valid)
    /// UTF-8 sequence. Invalid bytes are not held back: they decode to U+FFFD right away.
    static func completePrefixLength(_ b: [UInt8]) -> Int {
        let n = b.count
        var i = n - 1
        var k = 0
        while i >= 0 && k < 3 && b[i] & 0xC0 == 0x80 { i -= 1; k += 1 }
        guard i >= 0 else { return n }
        let lead = b[i]
        let need: Int
        switch lead {
        case 0xC2...0xDF: need = 2
        case 0xE0...0xEF: need = 3
        case 0xF0...0xF4: need = 4
        default: return n
        }
        let have = n - i
        return have < need ? i : n
    }
}
