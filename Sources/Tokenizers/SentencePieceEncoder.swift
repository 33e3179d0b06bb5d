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
