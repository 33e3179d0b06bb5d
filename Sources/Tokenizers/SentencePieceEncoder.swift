// SentencePieceEncoder.swift: llama.cpp's SPM tokenizer (llm_tokenizer_spm_session): the text,
// with spaces already escaped to U+2581, starts as one symbol per UTF-8 character; adjacent pairs
// whose concatenation is a token are merged highest score first (ties: leftmost) until no pair is
// left; symbols that are not tokens are emitted as byte tokens (<0xXX>), else the unknown token.

struct SentencePieceEncoder: Sendable {
    private struct Bigram {
        var score: Float
        var left: Int32
        var right: Int32
        var size: Int32
    }

    /// Encodes escaped text bytes, appending ids to `out`.
    func encode(_ text: [UInt8], vocab: Vocabulary, unknownID: Int32?, into out: inout [Int32]) {
        if text.isEmpty { return }
        var start: [Int32] = [], n: [Int32] = [], prev: [Int32] = [], next: [Int32] = []
        var off = 0
        var index: Int32 = 0
        while off < text.count {
            let len = min(utf8SequenceLength(text[off]), text.count - off)
            start.append(Int32(off)); n.append(Int32(len)); prev.append(index - 1)
            off += len
            next.append(off == text.count ? -1 : index + 1)
            index += 1
        }
        var heap = BinaryHeap<Bigram> { a, b in a.score > b.score || (a.score == b.score && a.left < b.left) }
        text.withUnsafeBufferPointer { tp in
            func tryAdd(_ l: Int32, _ r: Int32) {
                if l < 0 || r < 0 { return }
                let s = Int(start[Int(l)])
                let size = Int(n[Int(l)] + n[Int(r)])
                guard let id = vocab.find(UnsafeBufferPointer(rebasing: tp[s..<(s + size)])),
                      Int(id) < vocab.count else { return }
                heap.push(Bigram(score: vocab.scores[Int(id)], left: l, right: r, size: Int32(size)))
            }
            for i in 1..<Int32(start.count) { tryAdd(i - 1, i) }
            while let b = heap.pop() {
                let l = Int(b.left), r = Int(b.right)
                if n[l] == 0 || n[r] == 0 || n[l] + n[r] != b.size { continue }
                n[l] += n[r]
                n[r] = 0
                next[l] = next[r]
                if next[r] >= 0 { prev[Int(next[r])] = b.left }
                tryAdd(prev[l], b.left)
                tryAdd(b.left, next[l])
            }
            var i: Int32 = 0
            while i != -1 {
                let s = Int(start[Int(i)]), len = Int(n[Int(i)])
                if let id = vocab.find(UnsafeBufferPointer(rebasing: tp[s..<(s + len)])) {
                    out.append(id)
                } else {
                    // Byte fallback; a vocab without byte tokens (llama.cpp aborts there) gives one
                    // unknown token for the character instead.
                    let mark = out.count
                    for k in s..<(s + len) {
                        guard let id = vocab.spmByteToken(tp[k]) else {
                            out.removeSubrange(mark...)
                            if let u = unknownID { out.append(u) }
                            break
                        }
                        out.append(id)
                    }
                }
                i = next[Int(i)]
            }
        }
    }
}

/// llama.cpp's WPM (BERT WordPiece) tokenizer: normalize (first code point of NFD, lowercase,
/// drop controls and, with strip_accents, marks), split on whitespace, punctuation, ASCII symbols
/// and CJK ideographs, then match each word prefixed with U+2581 greedily longest-first.
struct WordPieceEncoder: Sendable {
    var lowercase = true
    var stripAccents = true

    static func isChineseChar(_ c: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(c) || (0x3400...0x4DBF).contains(c) || (0x20000...0x2A6DF).contains(c)
            || (0x2A700...0x2B73F).contains(c) || (0x2B740...0x2B81F).contains(c)
            || (0x2B920...0x2CEAF).contains(c) || (0xF900...0xFAFF).contains(c) || (0x2F800...0x2FA1F).contains(c)
    }

    func preprocess(_ text: ArraySlice<UInt8>) -> [[UInt8]] {
        var words: [[UInt8]] = [[]]
        for c0 in decodeCodepoints(text) {
            let c = stripAccents ? unicodeNFDFirst(c0) : c0
            let f = codepointFlags(c)
            if f.isWhitespace {
                if !words[words.count - 1].isEmpty { words.append([]) }
                continue
            }
            if c == 0 || c == 0xFFFD || f.contains(.control) { continue }
            if stripAccents && f.contains(.accentMark) { continue }
            let cc = lowercase ? unicodeToLower(c) : c
            if f.contains(.punctuation) || (c < 0x7F && f.contains(.symbol)) || WordPieceEncoder.isChineseChar(c) {
                if !words[words.count - 1].isEmpty { words.append([]) }
                appendUTF8(cc, to: &words[words.count - 1])
                words.append([])
            } else {
                appendUTF8(cc, to: &words[words.count - 1])
            }
        }
        if words[words.count - 1].isEmpty { words.removeLast() }
        return words
    }

    func encode(_ text: ArraySlice<UInt8>, vocab: Vocabulary, unknownID: Int32?, into out: inout [Int32]) {
        for word in preprocess(text) where !word.isEmpty {
            let w = [0xE2, 0x96, 0x81] + word
            let n = w.count
            let before = out.count
            var i = 0
            w.withUnsafeBufferPointer { wp in
                while i < n {
                    var matched = false
                    var j = min(n, i + vocab.maxTokenLength + 1)
                    while j > i {
                        // A token is valid UTF-8, so a cut inside a character cannot match.
                        if j == n || wp[j] & 0xC0 != 0x80,
                           let id = vocab.find(UnsafeBufferPointer(rebasing: wp[i..<j])) {
                            out.append(id)
                            matched = true
                            i = j
                            break
                        }
                        j -= 1
                    }
                    if !matched {
                        out.removeSubrange(before...)
                        break
                    }
                }
            }
            if out.count == before, let unk = unknownID { out.append(unk) }
        }
    }
}
