// BytePairEncoder.swift: byte-level BPE (tokenizer.ggml.model = gpt2) as llama.cpp's
// llm_tokenizer_bpe_session does it: pre-tokenize into words, map each word's bytes through the
// GPT-2 byte->unicode table, then merge adjacent symbols by lowest merge rank (ties: leftmost).
// Symbols left without a token fall back to single-byte tokens, or are dropped if none exists.

struct BytePairEncoder: Sendable {
    /// "left right" (bytes) -> rank.
    let ranks: ByteTable
    let preTokenizer: PreTokenizer
    let ignoreMerges: Bool

    init(merges: [String], preTokenizer: PreTokenizer, ignoreMerges: Bool) {
        var t = ByteTable(capacity: merges.count)
        for (i, m) in merges.enumerated() {
            let b = Array(m.utf8)
            // llama.cpp splits at the first space after position 0; the key keeps the same bytes.
            guard b.count > 1, b[1...].contains(0x20) else { continue }
            t.setIfAbsent(b, Int32(i))
        }
        ranks = t
        self.preTokenizer = preTokenizer
        self.ignoreMerges = ignoreMerges
    }

    private struct Bigram {
        var rank: Int32
        var left: Int32
        var right: Int32
        var size: Int32
    }

    /// Encodes one raw-text fragment (UTF-8 bytes), appending ids to `out`.
    func encode(_ text: ArraySlice<UInt8>, vocab: Vocabulary, into out: inout [Int32]) {
        let cpts = decodeCodepoints(text)
        let lengths = preTokenizer.split(cpts)
        var session = Session()
        var word: [UInt8] = []
        var idx = 0
        for len in lengths {
            word.removeAll(keepingCapacity: true)
            for k in idx..<(idx + len) {
                let c = cpts[k]
                let map = UnicodeTables.byteToUTF8
                switch c {
                case 0..<0x80:
                    word.append(contentsOf: map[Int(c)])
                case 0x80..<0x800:
                    word.append(contentsOf: map[Int(0xC0 | (c >> 6))])
                    word.append(contentsOf: map[Int(0x80 | (c & 0x3F))])
                case 0x800..<0x10000:
                    word.append(contentsOf: map[Int(0xE0 | (c >> 12))])
                    word.append(contentsOf: map[Int(0x80 | ((c >> 6) & 0x3F))])
                    word.append(contentsOf: map[Int(0x80 | (c & 0x3F))])
                default:
                    word.append(contentsOf: map[Int(0xF0 | (c >> 18))])
                    word.append(contentsOf: map[Int(0x80 | ((c >> 12) & 0x3F))])
                    word.append(contentsOf: map[Int(0x80 | ((c >> 6) & 0x3F))])
                    word.append(contentsOf: map[Int(0x80 | (c & 0x3F))])
                }
            }
            idx += len
            encodeWord(word, vocab: vocab, session: &session, into: &out)
        }
    }

    private struct Session {
        var start: [Int32] = []
        var n: [Int32] = []
        var prev: [Int32] = []
        var next: [Int32] = []
        var key: [UInt8] = []
        var heap = BinaryHeap<Bigram> { a, b in a.rank < b.rank || (a.rank == b.rank && a.left < b.left) }
    }

    private func encodeWord(_ word: [UInt8], vocab: Vocabulary, session s: inout Session, into out: inout [Int32]) {
        if word.isEmpty { return }
        if ignoreMerges, let id = vocab.find(word) { out.append(id); return }
        s.start.removeAll(keepingCapacity: true)
        s.n.removeAll(keepingCapacity: true)
        s.prev.removeAll(keepingCapacity: true)
        s.next.removeAll(keepingCapacity: true)
        s.heap.removeAll()
        var off = 0
        var index: Int32 = 0
        while off < word.count {
            let len = min(utf8SequenceLength(word[off]), word.count - off)
            s.start.append(Int32(off))
            s.n.append(Int32(len))
            s.prev.append(index - 1)
            off += len
            s.next.append(off == word.count ? -1 : index + 1)
            index += 1
        }
        word.withUnsafeBufferPointer { wp in
            func addBigram(_ l: Int32, _ r: Int32, _ s: inout Session) {
                if l < 0 || r < 0 { return }
                let ls = Int(s.start[Int(l)]), ln = Int(s.n[Int(l)])
                let rs = Int(s.start[Int(r)]), rn = Int(s.n[Int(r)])
                s.key.removeAll(keepingCapacity: true)
                s.key.append(contentsOf: wp[ls..<(ls + ln)])
                s.key.append(0x20)
                s.key.append(contentsOf: wp[rs..<(rs + rn)])
                guard let rank = s.key.withUnsafeBufferPointer({ ranks.find($0) }) else { return }
                s.heap.push(Bigram(rank: rank, left: l, right: r, size: Int32(ln + rn)))
            }
            for i in 1..<Int32(s.start.count) { addBigram(i - 1, i, &s) }
            while let b = s.heap.pop() {
                let l = Int(b.left), r = Int(b.right)
                if s.n[l] == 0 || s.n[r] == 0 || s.n[l] + s.n[r] != b.size { continue }
                s.n[l] += s.n[r]
                s.n[r] = 0
                s.next[l] = s.next[r]
                if s.next[r] >= 0 { s.prev[Int(s.next[r])] = b.left }
                addBigram(s.prev[l], b.left, &s)
                addBigram(b.left, s.next[l], &s)
            }
            var i: Int32 = 0
            while i != -1 {
                let st = Int(s.start[Int(i)]), len = Int(s.n[Int(i)])
                if len > 0 {
                    let piece = UnsafeBufferPointer(rebasing: wp[st..<(st + len)])
                    if let id = vocab.find(piece) {
                        out.append(id)
                    } else {
                        for k in 0..<len {
                            var byte = wp[st + k]
                            if let id = withUnsafePointer(to: &byte, { vocab.find(UnsafeBufferPointer(start: $0, count: 1)) }) {
                                out.append(id)
                            }
                        }
                    }
                }
                i = s.next[Int(i)]
            }
        }
    }
}
