// TextStream.swift: assembles token pieces (bytes) into text for streaming. It emits only
// complete UTF-8 characters and holds back any tail that could still become a stop string, so
// a stop string never reaches the output and a character is never split.

public struct TextStream {
    public let stopStrings: [String]
    private var pending: [UInt8] = []   // bytes not yet decoded (an incomplete UTF-8 sequence)
    private var held = ""               // decoded text held back as a possible stop-string prefix
    /// All text emitted so far.
    public private(set) var emitted = ""
    /// Set once a stop string has been seen; no more text is emitted.
    public private(set) var stopped = false

    public init(stopStrings: [String]) { self.stopStrings = stopStrings.filter { !$0.isEmpty } }

    /// Adds one token's bytes; returns the text that can be shown now.
    public mutating func append(_ bytes: [UInt8]) -> String {
        guard !stopped else { return "" }
        pending += bytes
        let cut = completePrefixLength(pending)
        held += String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        for s in stopStrings {
            if let r = held.range(of: s) {
                stopped = true
                let out = String(held[..<r.lowerBound])
                held = ""
                pending = []
                emitted += out
                return out
            }
        }
        // keep the longest suffix of `held` that is a prefix of some stop string
        var keep = 0
        for s in stopStrings {
            var n = min(s.count, held.count)
            while n > keep {
                if held.hasSuffix(String(s.prefix(n))) { keep = n; break }
                n -= 1
            }
        }
        let out = String(held.dropLast(keep))
        held = String(held.suffix(keep))
        emitted += out
        return out
    }

    /// Flushes whatever is held (at the end of generation); invalid trailing bytes become U+FFFD.
    public mutating func finish() -> String {
        guard !stopped else { return "" }
        let out = held + (pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self))
        held = ""
        pending = []
        emitted += out
        return out
    }

    /// Length of the longest prefix that does not end inside a UTF-8 multi-byte sequence.
    private func completePrefixLength(_ b: [UInt8]) -> Int {
        var i = b.count
        var back = 0
        while i > 0, back < 4 {
            let c = b[i - 1]
            if c & 0xC0 == 0x80 { i -= 1; back += 1; continue }        // continuation byte
            let need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1
            return need > back + 1 ? i - 1 : b.count
        }
        return b.count
    }
}
