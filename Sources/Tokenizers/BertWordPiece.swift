// BertWordPiece.swift: Hugging Face's BERT tokenizer as configured by a tokenizer.json with a
// WordPiece model (sentence-transformers models such as all-MiniLM-L6-v2): added tokens cut out
// of the raw text, BertNormalizer (clean text, pad CJK ideographs, NFD + drop nonspacing marks,
// lowercase), BertPreTokenizer (whitespace, then each punctuation char alone), greedy
// longest-first WordPiece with the "##" continuation prefix ([UNK] for a word that cannot be
// matched or is longer than max_input_chars_per_word), and the [CLS] A [SEP] template.
// Ids equal the `tokenizers` library's (checked by RetrievalTests against fixtures).
// Limits: single sequences only (no pairs); added tokens are matched exactly (no lstrip/rstrip).
// (This differs from WordPieceEncoder, which is llama.cpp's WPM for GGUF vocabs.)
import Foundation

/// A BERT WordPiece tokenizer built from a Hugging Face tokenizer.json.
public final class BertWordPieceTokenizer: @unchecked Sendable {
    /// Token text -> id.
    public let vocabulary: [String: Int32]
    /// Id -> token text.
    public let tokens: [String]
    public let clsID: Int32, sepID: Int32, padID: Int32, unknownID: Int32
    /// BertNormalizer options.
    public let lowercase: Bool, stripAccents: Bool, handleChineseChars: Bool, cleanText: Bool
    public let continuationPrefix: String
    public let maxInputCharsPerWord: Int
    /// Added (special) tokens matched in raw text before normalization, longest first.
    let addedTokens: [(text: [Unicode.Scalar], id: Int32)]

    /// Parses tokenizer.json at `path`; errors name the file and the field.
    public convenience init(path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw BertTokenizerError("\(path): cannot read: \(error.localizedDescription)")
        }
        try self.init(json: data, origin: path)
    }

    /// Parses tokenizer.json bytes; `origin` names them in errors.
    public init(json data: Data, origin: String) throws {
        func bad(_ m: String) -> BertTokenizerError { BertTokenizerError("\(origin): \(m)") }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw bad("not a JSON object")
        }
        guard let model = root["model"] as? [String: Any] else { throw bad("missing field 'model'") }
        guard (model["type"] as? String) == "WordPiece" else {
            throw bad("model.type is '\(model["type"] ?? "nil")', expected 'WordPiece'")
        }
        guard let vocab = model["vocab"] as? [String: Any] else { throw bad("missing field 'model.vocab'") }
        var v: [String: Int32] = [:]
        var toks = [String](repeating: "", count: vocab.count)
        for (k, idAny) in vocab {
            guard let n = idAny as? NSNumber, let id = Int32(exactly: n.doubleValue), id >= 0, Int(id) < vocab.count else {
                throw bad("model.vocab['\(k)'] is not an id in 0..<\(vocab.count)")
            }
            v[k] = id
            toks[Int(id)] = k
        }
        vocabulary = v
        tokens = toks
        continuationPrefix = model["continuing_subword_prefix"] as? String ?? "##"
        maxInputCharsPerWord = (model["max_input_chars_per_word"] as? NSNumber)?.intValue ?? 100
        let unkText = model["unk_token"] as? String ?? "[UNK]"
        func id(_ t: String) throws -> Int32 {
            guard let i = v[t] else { throw bad("special token '\(t)' is not in model.vocab") }
            return i
        }
        unknownID = try id(unkText)
        clsID = try id("[CLS]")
        sepID = try id("[SEP]")
        padID = try id("[PAD]")
        let norm = root["normalizer"] as? [String: Any] ?? [:]
        if let t = norm["type"] as? String, t != "BertNormalizer" {
            throw bad("normalizer.type '\(t)' is not supported (BertNormalizer)")
        }
        lowercase = norm["lowercase"] as? Bool ?? true
        stripAccents = norm["strip_accents"] as? Bool ?? lowercase
        handleChineseChars = norm["handle_chinese_chars"] as? Bool ?? true
        cleanText = norm["clean_text"] as? Bool ?? true
        var added: [(text: [Unicode.Scalar], id: Int32)] = []
        for (i, a) in (root["added_tokens"] as? [[String: Any]] ?? []).enumerated() {
            guard let c = a["content"] as? String, let n = a["id"] as? NSNumber else {
                throw bad("added_tokens[\(i)] needs 'content' and 'id'")
            }
            added.append((Array(c.unicodeScalars), n.int32Value))
        }
        addedTokens = added.sorted { $0.text.count > $1.text.count }
    }

    // MARK: encoding

    /// Token ids of `text`: [CLS] pieces [SEP], the pieces cut so the whole fits `maxLength`
    /// (nil: no limit). Without `addSpecial`, only the pieces (cut to `maxLength`).
    public func encode(_ text: String, maxLength: Int? = 256, addSpecial: Bool = true) -> [Int32] {
        var ids = pieceIDs(text)
        let room = maxLength.map { max(0, $0 - (addSpecial ? 2 : 0)) }
        if let r = room, ids.count > r { ids.removeSubrange(r...) }
        return addSpecial ? [clsID] + ids + [sepID] : ids
    }

    /// Word-piece ids of `text` with no special tokens around and no truncation.
    public func pieceIDs(_ text: String) -> [Int32] {
        var out: [Int32] = []
        let scalars = Array(text.unicodeScalars)
        var start = 0, i = 0
        while i < scalars.count {
            if let (len, id) = addedToken(at: i, in: scalars) {
                encodePlain(scalars[start..<i], into: &out)
                out.append(id)
                i += len
                start = i
            } else {
                i += 1
            }
        }
        encodePlain(scalars[start..<scalars.count], into: &out)
        return out
    }

    private func addedToken(at i: Int, in s: [Unicode.Scalar]) -> (Int, Int32)? {
        guard s[i] == "[" || !addedTokens.allSatisfy({ $0.text.first == "[" }) else { return nil }
        for a in addedTokens where a.text.count <= s.count - i && Array(s[i..<(i + a.text.count)]) == a.text {
            return (a.text.count, a.id)
        }
        return nil
    }

    private func encodePlain(_ s: ArraySlice<Unicode.Scalar>, into out: inout [Int32]) {
        guard !s.isEmpty else { return }
        for word in Self.preTokenize(normalize(s)) { appendWordPieces(word, into: &out) }
    }

    /// BertNormalizer: clean text, pad CJK, strip accents (NFD, drop Mn), lowercase.
    public func normalize<S: Sequence>(_ input: S) -> [Unicode.Scalar] where S.Element == Unicode.Scalar {
        var s: [Unicode.Scalar] = []
        var ascii = true
        for c in input {
            if cleanText {
                if c.value == 0 || c.value == 0xFFFD || Self.isControl(c) { continue }
                if Self.isWhitespace(c) { s.append(" "); continue }
            }
            if handleChineseChars && Self.isChineseChar(c.value) {
                s.append(" "); s.append(c); s.append(" ")
            } else {
                s.append(c)
            }
            if c.value >= 0x80 { ascii = false }
        }
        if stripAccents && !ascii {
            var str = String.UnicodeScalarView()
            str.append(contentsOf: s)
            let nfd = String(str).decomposedStringWithCanonicalMapping
            s = nfd.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }
        }
        if lowercase {
            var l: [Unicode.Scalar] = []
            l.reserveCapacity(s.count)
            for c in s {
                if c.value < 0x80 {
                    l.append(c.value >= 65 && c.value <= 90 ? Unicode.Scalar(c.value + 32)! : c)
                } else {
                    l.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
                }
            }
            s = l
        }
        return s
    }

    /// BertPreTokenizer: split on whitespace, and isolate each punctuation character.
    public static func preTokenize(_ s: [Unicode.Scalar]) -> [ArraySlice<Unicode.Scalar>] {
        var words: [ArraySlice<Unicode.Scalar>] = []
        var start = 0
        for (i, c) in s.enumerated() {
            if isWhitespace(c) {
                if start < i { words.append(s[start..<i]) }
                start = i + 1
            } else if isPunctuation(c) {
                if start < i { words.append(s[start..<i]) }
                words.append(s[i..<(i + 1)])
                start = i + 1
            }
        }
        if start < s.count { words.append(s[start..<s.count]) }
        return words
    }

    /// Greedy longest-match-first WordPiece of one word.
    func appendWordPieces(_ word: ArraySlice<Unicode.Scalar>, into out: inout [Int32]) {
        let w = Array(word)
        if w.count > maxInputCharsPerWord { out.append(unknownID); return }
        var pieces: [Int32] = []
        var start = 0
        while start < w.count {
            var end = w.count
            var found: Int32?
            while end > start {
                var piece = start > 0 ? continuationPrefix : ""
                piece.unicodeScalars.append(contentsOf: w[start..<end])
                if let id = vocabulary[piece] { found = id; break }
                end -= 1
            }
            guard let id = found else { out.append(unknownID); return }
            pieces.append(id)
            start = end
        }
        out.append(contentsOf: pieces)
    }

    // MARK: character classes (as the `tokenizers` crate's bert normalizer / pre-tokenizer)

    static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        c == "\t" || c == "\n" || c == "\r" || c.properties.isWhitespace
    }

    static func isControl(_ c: Unicode.Scalar) -> Bool {
        if c == "\t" || c == "\n" || c == "\r" { return false }
        switch c.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch c.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    static func isChineseChar(_ c: UInt32) -> Bool { WordPieceEncoder.isChineseChar(c) }
}

/// A tokenizer.json that cannot be used, with the file and field in the message.
public struct BertTokenizerError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ message: String) { description = message }
}
