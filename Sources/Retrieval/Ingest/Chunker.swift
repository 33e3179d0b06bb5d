// Chunker.swift: documents -> chunks. Three strategies: fixed windows of tokens with overlap
// (word-aligned: a window never cuts a word); recursive splitting by separators (paragraph, line,
// sentence, word) merged greedily up to a token budget, with overlap carried from the previous
// chunk; and markdown sections (one chunk per heading's section, long sections split
// recursively). Every chunk has its source, UTF-8 byte offsets into the document text and the
// heading path in force at its start ("#"-headings outside code fences).
import Foundation

/// A piece of a document, ready to embed and index.
public struct TextChunk: Sendable, Equatable, Codable {
    public var source: String
    /// Position among the chunks of its source (0-based).
    public var ordinal: Int
    public var text: String
    /// UTF-8 byte offsets into the document text: text == document[start..<end].
    public var start: Int, end: Int
    /// Headings from outermost to innermost in force at `start`.
    public var headingPath: [String]
}

/// How documents are cut.
public enum ChunkStrategy: Sendable, Equatable, CustomStringConvertible {
    case tokens(size: Int, overlap: Int)
    case recursive(size: Int, overlap: Int)
    case markdown(size: Int)

    /// "tokens:SIZE:OVERLAP", "recursive:SIZE:OVERLAP" or "markdown:SIZE".
    public var description: String {
        switch self {
        case let .tokens(s, o): "tokens:\(s):\(o)"
        case let .recursive(s, o): "recursive:\(s):\(o)"
        case let .markdown(s): "markdown:\(s)"
        }
    }

    /// Parses `description`'s form (SIZE and OVERLAP optional: 200 and 40).
    public init(parsing spec: String) throws {
        let p = spec.split(separator: ":").map(String.init)
        let nums = p.dropFirst().map { Int($0) }
        guard !nums.contains(nil), let kind = p.first else { throw IngestError("--chunk '\(spec)': expected tokens|recursive|markdown[:SIZE[:OVERLAP]]") }
        let size = nums.first.flatMap { $0 } ?? 200, overlap = nums.dropFirst().first.flatMap { $0 } ?? 40
        guard size >= 8, overlap >= 0, overlap < size else { throw IngestError("--chunk '\(spec)': need SIZE >= 8 and 0 <= OVERLAP < SIZE") }
        switch kind {
        case "tokens": self = .tokens(size: size, overlap: overlap)
        case "recursive": self = .recursive(size: size, overlap: nums.count > 1 ? overlap : 0)
        case "markdown": self = .markdown(size: size)
        default: throw IngestError("--chunk '\(spec)': unknown strategy '\(kind)' (tokens, recursive, markdown)")
        }
    }
}

/// Cuts documents into chunks by a strategy and a token counter.
public struct Chunker {
    public var strategy: ChunkStrategy
    /// Tokens in a piece of text (the embedder's word pieces; default: whitespace words).
    public var countTokens: (String) -> Int

    public init(strategy: ChunkStrategy, countTokens: @escaping (String) -> Int = { $0.split(whereSeparator: \.isWhitespace).count }) {
        self.strategy = strategy
        self.countTokens = countTokens
    }

    /// The chunks of `doc`, in order; empty or blank pieces are dropped.
    public func chunk(_ doc: SourceDocument) -> [TextChunk] {
        let bytes = Array(doc.text.utf8)
        let headings = Self.headings(bytes)
        var ranges: [Range<Int>]
        switch strategy {
        case let .tokens(size, overlap): ranges = windows(bytes, size: size, overlap: overlap)
        case let .recursive(size, overlap): ranges = recursive(bytes, 0..<bytes.count, size: size, overlap: overlap)
        case let .markdown(size):
            let starts = [0] + headings.map(\.offset).filter { $0 > 0 } + [bytes.count]
            ranges = []
            for (a, b) in zip(starts, starts.dropFirst()) where a < b {
                ranges += count(bytes, a..<b) <= size ? [a..<b] : recursive(bytes, a..<b, size: size, overlap: 0)
            }
        }
        var out: [TextChunk] = []
        for r in ranges {
            let t = Self.trim(bytes, r)
            guard !t.isEmpty else { continue }
            let path = Self.path(headings, at: t.lowerBound)
            out.append(TextChunk(source: doc.source, ordinal: out.count, text: String(decoding: bytes[t], as: UTF8.self),
                                 start: t.lowerBound, end: t.upperBound, headingPath: path))
        }
        return out
    }

    private func count(_ b: [UInt8], _ r: Range<Int>) -> Int { countTokens(String(decoding: b[r], as: UTF8.self)) }

    // MARK: fixed token windows

    private func windows(_ b: [UInt8], size: Int, overlap: Int) -> [Range<Int>] {
        var words: [Range<Int>] = []
        var i = 0
        while i < b.count {
            while i < b.count, Self.isSpace(b[i]) { i += 1 }
            let s = i
            while i < b.count, !Self.isSpace(b[i]) { i += 1 }
            if s < i { words.append(s..<i) }
        }
        let tok = words.map { max(1, count(b, $0)) }
        var out: [Range<Int>] = []
        var first = 0
        while first < words.count {
            var last = first, total = tok[first]
            while last + 1 < words.count, total + tok[last + 1] <= size { last += 1; total += tok[last] }
            out.append(words[first].lowerBound..<words[last].upperBound)
            if last == words.count - 1 { break }
            var next = last + 1, back = 0
            while next - 1 > first, back + tok[next - 1] <= overlap { next -= 1; back += tok[next] }
            first = next
        }
        return out
    }

    // MARK: recursive separators

    static let separators: [[UInt8]] = [Array("\n\n".utf8), Array("\n".utf8), Array(". ".utf8), Array(" ".utf8)]

    private func recursive(_ b: [UInt8], _ r: Range<Int>, size: Int, overlap: Int) -> [Range<Int>] {
        let pieces = split(b, r, size: size, level: 0)
        var out: [Range<Int>] = []
        var cur: [Range<Int>] = []
        var curTokens = 0
        let tok = pieces.map { count(b, $0) }
        for (p, t) in zip(pieces, tok) {
            if !cur.isEmpty && curTokens + t > size {
                out.append(cur.first!.lowerBound..<cur.last!.upperBound)
                // Carry trailing pieces worth at most `overlap` tokens into the next chunk.
                var keep: [Range<Int>] = [], kept = 0
                for q in cur.reversed() {
                    let qt = count(b, q)
                    if kept + qt > overlap || kept + qt + t > size { break }
                    keep.insert(q, at: 0); kept += qt
                }
                cur = keep; curTokens = kept
            }
            cur.append(p); curTokens += t
        }
        if !cur.isEmpty { out.append(cur.first!.lowerBound..<cur.last!.upperBound) }
        return out
    }

    /// Pieces of r no longer than `size` tokens, cut after separators (contiguous, covering r).
    private func split(_ b: [UInt8], _ r: Range<Int>, size: Int, level: Int) -> [Range<Int>] {
        if r.isEmpty { return [] }
        if count(b, r) <= size { return [r] }
        guard level < Self.separators.count else { return hardSplit(b, r, size: size) }
        let sep = Self.separators[level]
        var parts: [Range<Int>] = []
        var s = r.lowerBound, i = r.lowerBound
        while i + sep.count <= r.upperBound {
            if b[i] == sep[0] && Array(b[i..<(i + sep.count)]) == sep {
                parts.append(s..<(i + sep.count)); i += sep.count; s = i
            } else { i += 1 }
        }
        if s < r.upperBound { parts.append(s..<r.upperBound) }
        return parts.flatMap { split(b, $0, size: size, level: level + 1) }
    }

    /// A single "word" longer than the budget: cut at UTF-8 character boundaries.
    private func hardSplit(_ b: [UInt8], _ r: Range<Int>, size: Int) -> [Range<Int>] {
        let step = max(4, size * 2)
        var out: [Range<Int>] = []
        var s = r.lowerBound
        while s < r.upperBound {
            var e = min(r.upperBound, s + step)
            while e < r.upperBound, b[e] & 0xC0 == 0x80 { e += 1 }
            out.append(s..<e); s = e
        }
        return out
    }

    // MARK: headings and helpers

    struct Heading { var offset: Int; var level: Int; var title: String }

    /// Markdown "#" headings at line starts, outside ``` fences.
    static func headings(_ b: [UInt8]) -> [Heading] {
        var out: [Heading] = []
        var lineStart = 0, fence = false
        while lineStart < b.count {
            let nl = b[lineStart...].firstIndex(of: 0x0A) ?? b.count
            let line = b[lineStart..<nl]
            if line.starts(with: Array("```".utf8)) { fence.toggle() }
            if !fence, line.first == UInt8(ascii: "#") {
                let level = line.prefix { $0 == UInt8(ascii: "#") }.count
                let rest = line.dropFirst(level)
                if level <= 6, rest.first == UInt8(ascii: " ") {
                    let title = String(decoding: rest, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                    out.append(Heading(offset: lineStart, level: level, title: title))
                }
            }
            lineStart = nl + 1
        }
        return out
    }

    static func path(_ hs: [Heading], at offset: Int) -> [String] {
        var stack: [Heading] = []
        for h in hs where h.offset <= offset {
            while let l = stack.last, l.level >= h.level { stack.removeLast() }
            stack.append(h)
        }
        return stack.map(\.title)
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D }

    static func trim(_ b: [UInt8], _ r: Range<Int>) -> Range<Int> {
        var lo = r.lowerBound, hi = r.upperBound
        while lo < hi, isSpace(b[lo]) { lo += 1 }
        while hi > lo, isSpace(b[hi - 1]) { hi -= 1 }
        return lo..<hi
    }
}
