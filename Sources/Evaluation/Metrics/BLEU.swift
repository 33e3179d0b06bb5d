// BLEU.swift: corpus and sentence BLEU exactly as sacrebleu 2.x computes them by default:
// the 13a tokenizer (mteval-v13a), no lowercasing, 4-gram precisions clipped by the maximum
// count over references, closest reference length (ties -> shorter), brevity penalty
// exp(1 - r/c), smoothing 'exp' (mteval's: the k-th zero-match order gets 1/(2^k * total)).
// Sentence BLEU uses sacrebleu's `use_effective_order=True`. Scores are on sacrebleu's 0-100 scale.
// Checked against sacrebleu by Tests/Fixtures/metrics/bleu.json (scripts/make_metric_fixtures.py).
import Foundation

/// A BLEU score with the statistics it came from (same fields as sacrebleu's `BLEUScore`).
public struct BLEUScore: Equatable, Sendable {
    /// BLEU on a 0-100 scale.
    public var score: Double
    /// Matched (clipped) n-gram counts, n = 1...4.
    public var counts: [Int]
    /// Hypothesis n-gram counts, n = 1...4.
    public var totals: [Int]
    /// Smoothed n-gram precisions on a 0-100 scale.
    public var precisions: [Double]
    /// Brevity penalty.
    public var brevityPenalty: Double
    /// Total hypothesis length in tokens.
    public var hypothesisLength: Int
    /// Total (closest) reference length in tokens.
    public var referenceLength: Int
}

/// sacrebleu's default `13a` tokenizer (the one in mteval-v13a.pl used by WMT).
public enum Tokenizer13a {
    /// Tokenizes one segment and returns the tokens (sacrebleu returns them joined by spaces).
    public static func tokenize(_ line: String) -> [String] {
        var s = Array(line.unicodeScalars)
        s = PythonText.replace(s, "<skipped>", with: "")
        s = PythonText.replace(s, "-\n", with: "")
        s = PythonText.replace(s, "\n", with: " ")
        if s.contains("&") {
            s = PythonText.replace(s, "&quot;", with: "\"")
            s = PythonText.replace(s, "&amp;", with: "&")
            s = PythonText.replace(s, "&lt;", with: "<")
            s = PythonText.replace(s, "&gt;", with: ">")
        }
        s = [" "] + s + [" "]
        // ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> ' \1 '
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count * 2)
        for c in s {
            if isSplitSymbol(c) { out += [" ", c, " "] } else { out.append(c) }
        }
        // ([^0-9])([\.,]) -> '\1 \2 '
        out = substitutePairs(out, first: { !PythonText.isASCIIDigit($0) }, second: isDotOrComma) { [$0, " ", $1, " "] }
        // ([\.,])([^0-9]) -> ' \1 \2'
        out = substitutePairs(out, first: isDotOrComma, second: { !PythonText.isASCIIDigit($0) }) { [" ", $0, " ", $1] }
        // ([0-9])(-) -> '\1 \2 '
        out = substitutePairs(out, first: PythonText.isASCIIDigit, second: { $0 == "-" }) { [$0, " ", $1, " "] }
        return PythonText.split(out)
    }

    private static func isDotOrComma(_ c: Unicode.Scalar) -> Bool { c == "." || c == "," }

    /// The character class `[\{-\~\[-\` -\&\(-\+\:-\@\/]`.
    private static func isSplitSymbol(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x7B...0x7E, 0x5B...0x60, 0x20...0x26, 0x28...0x2B, 0x3A...0x40, 0x2F: return true
        default: return false
        }
    }

    /// `re.sub` for a two-character pattern `(A)(B)`: scans left to right, non-overlapping.
    private static func substitutePairs(_ s: [Unicode.Scalar], first: (Unicode.Scalar) -> Bool,
                                        second: (Unicode.Scalar) -> Bool,
                                        _ repl: (Unicode.Scalar, Unicode.Scalar) -> [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.count + 16)
        var i = 0
        while i < s.count {
            if i + 1 < s.count && first(s[i]) && second(s[i + 1]) {
                out += repl(s[i], s[i + 1])
                i += 2
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return out
    }
}

extension Metrics {
    /// The n-gram order of BLEU (sacrebleu's `MAX_NGRAM_ORDER`).
    public static let bleuMaxOrder = 4

    /// Corpus BLEU as `sacrebleu.corpus_bleu` computes it with its defaults (13a, 'exp' smoothing,
    /// no effective order).
    ///
    /// - Parameters:
    ///   - hypotheses: one system output per segment.
    ///   - references: `references[i]` holds the reference(s) for `hypotheses[i]`. Note that
    ///     sacrebleu takes the transpose (a list of reference *streams*).
    public static func corpusBLEU(hypotheses: [String], references: [[String]]) -> BLEUScore {
        precondition(hypotheses.count == references.count, "corpusBLEU: \(hypotheses.count) hypotheses but \(references.count) reference sets")
        var stats = SegmentStats()
        for (h, refs) in zip(hypotheses, references) { stats.add(segmentStats(h, refs)) }
        return bleu(from: stats, effectiveOrder: false)
    }

    /// Sentence BLEU as `sacrebleu.sentence_bleu` computes it (13a, 'exp' smoothing, effective order).
    public static func sentenceBLEU(hypothesis: String, references: [String]) -> BLEUScore {
        bleu(from: segmentStats(hypothesis, references), effectiveOrder: true)
    }

    struct SegmentStats {
        var hypLen = 0, refLen = 0
        var correct = [Int](repeating: 0, count: bleuMaxOrder)
        var total = [Int](repeating: 0, count: bleuMaxOrder)
        mutating func add(_ o: SegmentStats) {
            hypLen += o.hypLen; refLen += o.refLen
            for n in 0..<bleuMaxOrder { correct[n] += o.correct[n]; total[n] += o.total[n] }
        }
    }

    /// sacrebleu's `_preprocess_segment`: rstrip, then 13a.
    static func bleuTokens(_ s: String) -> [String] {
        let stripped = PythonText.rstrip(Array(s.unicodeScalars))
        var v = String.UnicodeScalarView(); v.append(contentsOf: stripped)
        return Tokenizer13a.tokenize(String(v))
    }

    /// An n-gram keyed by code points (Python compares strings by code point; Swift's `==` would
    /// merge canonically equivalent spellings such as "\u{E9}" and "e\u{301}").
    struct NGram: Hashable {
        var n: Int
        var codepoints: [UInt32]
    }

    static func ngramCounts(_ toks: [String]) -> [NGram: Int] {
        var c: [NGram: Int] = [:]
        for n in 1...bleuMaxOrder where toks.count >= n {
            for i in 0...(toks.count - n) {
                let key = NGram(n: n, codepoints: PythonText.codepoints(toks[i..<(i + n)].joined(separator: " ")))
                c[key, default: 0] += 1
            }
        }
        return c
    }

    static func segmentStats(_ hypothesis: String, _ references: [String]) -> SegmentStats {
        var refNgrams: [NGram: Int] = [:]
        var refLens: [Int] = []
        for r in references {
            let toks = bleuTokens(r)
            refLens.append(toks.count)
            for (g, c) in ngramCounts(toks) { refNgrams[g] = max(refNgrams[g] ?? 0, c) }
        }
        let hyp = bleuTokens(hypothesis)
        var st = SegmentStats()
        st.hypLen = hyp.count
        // closest reference length, ties broken towards the shorter one
        var closestDiff = -1, closestLen = -1
        for l in refLens {
            let d = abs(hyp.count - l)
            if closestDiff == -1 || d < closestDiff { closestDiff = d; closestLen = l } else if d == closestDiff && l < closestLen { closestLen = l }
        }
        st.refLen = closestLen
        for (g, c) in ngramCounts(hyp) {
            let n = g.n - 1
            st.total[n] += c
            if let rc = refNgrams[g] { st.correct[n] += min(c, rc) }
        }
        return st
    }

    /// sacrebleu's `BLEU.compute_bleu` with smooth_method='exp'.
    static func bleu(from st: SegmentStats, effectiveOrder: Bool) -> BLEUScore {
        var bp = 1.0
        if st.hypLen < st.refLen { bp = st.hypLen > 0 ? exp(1 - Double(st.refLen) / Double(st.hypLen)) : 0 }
        var precisions = [Double](repeating: 0, count: bleuMaxOrder)
        var result = BLEUScore(score: 0, counts: st.correct, totals: st.total, precisions: precisions,
                               brevityPenalty: bp, hypothesisLength: st.hypLen, referenceLength: st.refLen)
        if !st.correct.contains(where: { $0 != 0 }) { return result }
        var smooth = 1.0
        var effOrder = bleuMaxOrder
        for n in 1...bleuMaxOrder {
            if st.total[n - 1] == 0 { break }
            if effectiveOrder { effOrder = n }
            if st.correct[n - 1] == 0 {
                smooth *= 2
                precisions[n - 1] = 100.0 / (smooth * Double(st.total[n - 1]))
            } else {
                precisions[n - 1] = 100.0 * Double(st.correct[n - 1]) / Double(st.total[n - 1])
            }
        }
        // sacrebleu's my_log floors log(0) at -9999999999
        let logSum = precisions[0..<effOrder].reduce(0.0) { $0 + ($1 == 0 ? -9_999_999_999 : log($1)) }
        result.precisions = precisions
        result.score = bp * exp(logSum / Double(effOrder))
        return result
    }
}
