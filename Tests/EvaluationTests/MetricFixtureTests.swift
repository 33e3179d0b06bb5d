// MetricFixtureTests.swift: every metric against the reference implementation's values in
// Tests/Fixtures/metrics/*.json (made by scripts/make_metric_fixtures.py: sacrebleu, rouge-score,
// nltk, scikit-learn, the SQuAD v2 script). Tolerance 1e-6; BLEU counts must match exactly.
import Foundation
import XCTest
@testable import Evaluation
import TestSupport

enum Fixtures {
    static let root = TestAssets.fixtures

    static func json(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent("metrics/\(name).json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}

private func list(_ o: [String: Any], _ k: String) -> [[String: Any]] { o[k] as? [[String: Any]] ?? [] }
private func num(_ o: [String: Any], _ k: String) -> Double { (o[k] as? NSNumber)?.doubleValue ?? .nan }
private func ints(_ o: [String: Any], _ k: String) -> [Int] { (o[k] as? [NSNumber])?.map(\.intValue) ?? [] }
private func strs(_ o: [String: Any], _ k: String) -> [String] { o[k] as? [String] ?? [] }

final class MetricFixtureTests: XCTestCase {
    let tol = 1e-6

    func testTokenizer13a() throws {
        let f = try Fixtures.json("bleu")
        let cases = list(f, "tokenize")
        XCTAssertGreaterThan(cases.count, 40)
        for c in cases {
            let text = c["text"] as! String
            XCTAssertEqual(Metrics.bleuTokens(text), strs(c, "tokens"), "13a tokens of \(text.debugDescription)")
        }
    }

    private func check(_ s: BLEUScore, _ c: [String: Any], _ what: String) {
        XCTAssertEqual(s.score, num(c, "score"), accuracy: tol, "score: \(what)")
        XCTAssertEqual(s.counts, ints(c, "counts"), "counts: \(what)")
        XCTAssertEqual(s.totals, ints(c, "totals"), "totals: \(what)")
        XCTAssertEqual(s.hypothesisLength, ints(c, "sys_len").first ?? Int(num(c, "sys_len")), "sys_len: \(what)")
        XCTAssertEqual(s.referenceLength, Int(num(c, "ref_len")), "ref_len: \(what)")
        XCTAssertEqual(s.brevityPenalty, num(c, "bp"), accuracy: tol, "bp: \(what)")
        for (a, b) in zip(s.precisions, (c["precisions"] as? [NSNumber] ?? []).map(\.doubleValue)) {
            XCTAssertEqual(a, b, accuracy: tol, "precisions: \(what)")
        }
    }

    func testSentenceBLEU() throws {
        let f = try Fixtures.json("bleu")
        let cases = list(f, "sentence")
        XCTAssertGreaterThan(cases.count, 30)
        for c in cases {
            let h = c["hypothesis"] as! String
            check(Metrics.sentenceBLEU(hypothesis: h, references: strs(c, "references")), c, h.debugDescription)
        }
    }

    func testCorpusBLEU() throws {
        let f = try Fixtures.json("bleu")
        let cases = list(f, "corpus")
        XCTAssertEqual(cases.count, 5)
        for (i, c) in cases.enumerated() {
            let refs = (c["references"] as? [[String]]) ?? []
            check(Metrics.corpusBLEU(hypotheses: strs(c, "hypotheses"), references: refs), c, "corpus \(i)")
        }
    }

    func testRougeL() throws {
        let f = try Fixtures.json("rouge")
        for c in list(f, "pairs") {
            let p = c["prediction"] as! String, t = c["target"] as! String
            XCTAssertEqual(Metrics.rougeTokens(p), strs(c, "tokens"), "tokens of \(p.debugDescription)")
            let s = Metrics.rougeL(prediction: p, target: t)
            XCTAssertEqual(s.precision, num(c, "precision"), accuracy: tol, p)
            XCTAssertEqual(s.recall, num(c, "recall"), accuracy: tol, p)
            XCTAssertEqual(s.fmeasure, num(c, "fmeasure"), accuracy: tol, p)
            let st = Metrics.rougeL(prediction: p, target: t, stemming: true)
            let ref = c["stemmed"] as! [String: Any]
            XCTAssertEqual(st.fmeasure, num(ref, "fmeasure"), accuracy: tol, "stemmed: \(p)")
            XCTAssertEqual(st.precision, num(ref, "precision"), accuracy: tol, "stemmed: \(p)")
        }
        for c in list(f, "multi") {
            let s = Metrics.rougeL(prediction: c["prediction"] as! String, targets: strs(c, "targets"))
            XCTAssertEqual(s.fmeasure, num(c, "fmeasure"), accuracy: tol)
        }
    }

    func testPorterStemmerMatchesNLTK() throws {
        let f = try Fixtures.json("stems")
        let stems = try XCTUnwrap(f["stems"] as? [String: String])
        XCTAssertGreaterThan(stems.count, 500)
        var wrong: [String] = []
        for (w, s) in stems.sorted(by: { $0.key < $1.key }) where PorterStemmer.stem(w) != s {
            wrong.append("\(w): \(PorterStemmer.stem(w)) != \(s)")
        }
        XCTAssertEqual(wrong, [])
    }

    func testSQuADExactMatchAndF1() throws {
        let f = try Fixtures.json("squad")
        for c in list(f, "pairs") {
            let p = c["prediction"] as! String, g = c["reference"] as! String
            XCTAssertEqual(Metrics.squadNormalize(p), c["normalized"] as? String, "normalize \(p.debugDescription)")
            XCTAssertEqual(Metrics.isExactMatch(prediction: p, reference: g, normalization: .squad), num(c, "exact") == 1, p)
            XCTAssertEqual(Metrics.tokenF1(prediction: p, reference: g), num(c, "f1"), accuracy: tol, p)
        }
    }

    func testClassification() throws {
        let f = try Fixtures.json("classification")
        for c in list(f, "cases") {
            let p = strs(c, "predictions"), r = strs(c, "references")
            let labels = c["labels"] as? [String]
            XCTAssertEqual(Metrics.accuracy(predictions: p, references: r), num(c, "accuracy"), accuracy: tol, "\(p)")
            XCTAssertEqual(Metrics.macroF1(predictions: p, references: r, labels: labels), num(c, "macro_f1"), accuracy: tol, "\(p)")
        }
    }
}
