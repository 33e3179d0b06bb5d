// RougeL.swift: ROUGE-L (sentence-level LCS) as Google's rouge-score package computes it:
// `rouge_scorer.RougeScorer(["rougeL"], use_stemmer=...)` with its default tokenizer (lowercase,
// every run of characters outside [a-z0-9] becomes a space, optional Porter stemming of tokens
// longer than 3 characters). Precision = LCS/|prediction|, recall = LCS/|target|, F = 2PR/(P+R);
// an empty side scores 0. Checked against rouge-score by Tests/Fixtures/metrics/rouge.json.

/// Precision, recall and F-measure of one ROUGE comparison (rouge-score's `Score`).
public struct RougeScore: Equatable, Sendable {
    public var precision: Double
    public var recall: Double
    public var fmeasure: Double
}

extension Metrics {
    /// rouge-score's default tokenizer.
    /// - Parameter stemming: apply NLTK's Porter stemmer (as `use_stemmer=True`) to tokens longer
    ///   than 3 characters.
    public static func rougeTokens(_ text: String, stemming: Bool = false) -> [String] {
        var toks: [String] = []
        var cur = ""
        func flush() {
            guard !cur.isEmpty else { return }
            toks.append(stemming && cur.count > 3 ? PorterStemmer.stem(cur) : cur)
            cur = ""
        }
        for s in PythonText.lower(text) {
            let v = s.value
            if (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) { cur.unicodeScalars.append(s) } else { flush() }
        }
        flush()
        // rouge-score drops tokens that are not [a-z0-9]+ after stemming
        return toks.filter { t in !t.isEmpty && t.unicodeScalars.allSatisfy { ($0.value >= 0x61 && $0.value <= 0x7A) || ($0.value >= 0x30 && $0.value <= 0x39) } }
    }

    /// ROUGE-L of `prediction` against `target` (rouge-score's `score(target, prediction)["rougeL"]`).
    public static func rougeL(prediction: String, target: String, stemming: Bool = false) -> RougeScore {
        rougeL(predictionTokens: rougeTokens(prediction, stemming: stemming), targetTokens: rougeTokens(target, stemming: stemming))
    }

    /// ROUGE-L against several targets: the one with the best F-measure wins (rouge-score's
    /// `score_multi`; the first wins ties).
    public static func rougeL(prediction: String, targets: [String], stemming: Bool = false) -> RougeScore {
        let p = rougeTokens(prediction, stemming: stemming)
        var best = RougeScore(precision: 0, recall: 0, fmeasure: 0)
        var first = true
        for t in targets {
            let s = rougeL(predictionTokens: p, targetTokens: rougeTokens(t, stemming: stemming))
            if first || s.fmeasure > best.fmeasure { best = s; first = false }
        }
        return best
    }

    /// Mean ROUGE-L F-measure over aligned pairs (what summarization tables report).
    public static func meanRougeL(predictions: [String], targets: [String], stemming: Bool = false) -> Double {
        precondition(predictions.count == targets.count, "meanRougeL: \(predictions.count) predictions but \(targets.count) targets")
        guard !predictions.isEmpty else { return 0 }
        var sum = 0.0
        for (p, t) in zip(predictions, targets) { sum += rougeL(prediction: p, target: t, stemming: stemming).fmeasure }
        return sum / Double(predictions.count)
    }

    static func rougeL(predictionTokens p: [String], targetTokens t: [String]) -> RougeScore {
        guard !p.isEmpty, !t.isEmpty else { return RougeScore(precision: 0, recall: 0, fmeasure: 0) }
        let lcs = Double(lcsLength(t, p))
        let precision = lcs / Double(p.count), recall = lcs / Double(t.count)
        let f = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        return RougeScore(precision: precision, recall: recall, fmeasure: f)
    }

    /// Length of the longest common subsequence, O(|a|·|b|) time, O(|b|) memory.
    static func lcsLength(_ a: [String], _ b: [String]) -> Int {
        var prev = [Int](repeating: 0, count: b.count + 1), cur = prev
        for i in 1...max(a.count, 1) where !a.isEmpty {
            for j in 1...max(b.count, 1) where !b.isEmpty {
                cur[j] = a[i - 1] == b[j - 1] ? prev[j - 1] + 1 : max(prev[j], cur[j - 1])
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}
