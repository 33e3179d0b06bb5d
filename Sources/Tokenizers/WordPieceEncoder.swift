// WordPieceEncoder.swift: llama.cpp's WPM tokenizer for BERT vocabs (llm_tokenizer_wpm_session).
// The GGUF conversion stores word-initial pieces with a U+2581 prefix and continuation pieces
// bare (no "##"), so each word is matched as "\u{2581}word", greedily longest-first.

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
