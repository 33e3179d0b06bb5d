// SQuAD.swift: exact match and token F1 as the official SQuAD v2.0 evaluation script defines them:
// normalize_answer = lowercase, drop ASCII punctuation (string.punctuation), replace the words
// a/an/the (regex \b(a|an|the)\b) by a space, collapse whitespace; F1 over the bag of normalized
// whitespace tokens; when either side has no tokens, F1 = 1 if both are empty else 0.
// Over several references the best one counts. Checked by Tests/Fixtures/metrics/squad.json.

/// How answers are compared in exact match.
public enum AnswerNormalization: Sendable {
    /// Code point for code point equality.
    case none
    /// Leading and trailing whitespace ignored.
    case trimmingWhitespace
    /// SQuAD's `normalize_answer` (lowercase, no punctuation, no articles, single spaces).
    case squad
}

extension Metrics {
    /// SQuAD's `normalize_answer`.
    public static func squadNormalize(_ text: String) -> String {
        let punct = Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".unicodeScalars)
        let s = PythonText.lower(text).filter { !punct.contains($0) }
        // \b(a|an|the)\b -> ' '
        var out: [Unicode.Scalar] = []
        var i = 0
        let articles: [[Unicode.Scalar]] = [["a"], ["a", "n"], ["t", "h", "e"]]
        while i < s.count {
            let atStart = i == 0 || !PythonText.isWordChar(s[i - 1])
            var matched = 0
            if atStart && PythonText.isWordChar(s[i]) {
                for a in articles where i + a.count <= s.count && Array(s[i..<(i + a.count)]) == a {
                    if i + a.count == s.count || !PythonText.isWordChar(s[i + a.count]) { matched = a.count; break }
                }
            }
            if matched > 0 { out.append(" "); i += matched } else { out.append(s[i]); i += 1 }
        }
        return PythonText.split(out).joined(separator: " ")
    }

    /// Whether `prediction` equals `reference` under `normalization`.
    public static func isExactMatch(prediction: String, reference: String, normalization: AnswerNormalization = .none) -> Bool {
        switch normalization {
        case .none:
            return PythonText.codepoints(prediction) == PythonText.codepoints(reference)
        case .trimmingWhitespace:
            return trimmed(prediction) == trimmed(reference)
        case .squad:
            return PythonText.codepoints(squadNormalize(prediction)) == PythonText.codepoints(squadNormalize(reference))
        }
    }

    private static func trimmed(_ s: String) -> [UInt32] {
        var v = Array(s.unicodeScalars)
        while let f = v.first, PythonText.isSpace(f) { v.removeFirst() }
        return PythonText.rstrip(v).map(\.value)
    }

    /// Fraction of predictions that exactly match their reference (0 for no items).
    public static func exactMatch(predictions: [String], references: [String], normalization: AnswerNormalization = .none) -> Double {
        precondition(predictions.count == references.count, "exactMatch: \(predictions.count) predictions but \(references.count) references")
        guard !predictions.isEmpty else { return 0 }
        let hits = zip(predictions, references).filter { isExactMatch(prediction: $0, reference: $1, normalization: normalization) }.count
        return Double(hits) / Double(predictions.count)
    }

    /// SQuAD token F1 of one prediction against one reference.
    public static func tokenF1(prediction: String, reference: String) -> Double {
        let g = PythonText.split(squadNormalize(reference)).map(PythonText.codepoints)
        let p = PythonText.split(squadNormalize(prediction)).map(PythonText.codepoints)
        if g.isEmpty || p.isEmpty { return g == p ? 1 : 0 }
        var gc: [[UInt32]: Int] = [:]
        for t in g { gc[t, default: 0] += 1 }
        var same = 0
        for t in p { if let c = gc[t], c > 0 { same += 1; gc[t] = c - 1 } }
        if same == 0 { return 0 }
        let precision = Double(same) / Double(p.count), recall = Double(same) / Double(g.count)
        return 2 * precision * recall / (precision + recall)
    }

    /// SQuAD token F1 against several references: the best one (0 for no references).
    public static func tokenF1(prediction: String, references: [String]) -> Double {
        references.map { tokenF1(prediction: prediction, reference: $0) }.max() ?? 0
    }

    /// Mean token F1 over aligned prediction/reference pairs (0 for no items).
    public static func meanTokenF1(predictions: [String], references: [String]) -> Double {
        precondition(predictions.count == references.count, "meanTokenF1: \(predictions.count) predictions but \(references.count) references")
        guard !predictions.isEmpty else { return 0 }
        return zip(predictions, references).reduce(0.0) { $0 + tokenF1(prediction: $1.0, reference: $1.1) } / Double(predictions.count)
    }
}
