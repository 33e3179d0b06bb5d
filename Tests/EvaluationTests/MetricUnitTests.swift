// MetricUnitTests.swift: hand-computed cases for what the reference fixtures don't cover:
// perplexity, llama.cpp's window plan, exact-match modes, the classification report.
import Foundation
import XCTest
@testable import Evaluation

final class MetricUnitTests: XCTestCase {
    func testPerplexityIsExpOfMeanNLL() throws {
        let lp: [Double] = [log(0.5), log(0.25), log(0.125)]
        XCTAssertEqual(try XCTUnwrap(Metrics.perplexity(logProbabilities: lp)), 4, accuracy: 1e-12)  // exp(2 ln 2)
        XCTAssertEqual(try XCTUnwrap(Metrics.perplexity(logProbabilities: [Float(0), 0])), 1, accuracy: 1e-12)
        XCTAssertNil(Metrics.perplexity(logProbabilities: [Double]()))
        var acc = PerplexityAccumulator()
        acc.add(logProbability: log(0.1))
        XCTAssertEqual(try XCTUnwrap(acc.perplexity), 10, accuracy: 1e-9)
        XCTAssertEqual(acc.count, 1)
    }

    func testLlamaCppWindows() {
        let w = Metrics.llamaCppPerplexityWindows(tokenCount: 1300, context: 512)
        XCTAssertEqual(w.count, 2)  // the 276-token tail is dropped, as llama-perplexity does
        XCTAssertEqual(w[1].tokens, 512..<1024)
        XCTAssertEqual(w[0].scoredPositions, 256..<511)  // 255 scored tokens per chunk
        XCTAssertEqual(w.reduce(0) { $0 + $1.scoredPositions.count }, 510)
    }

    func testExactMatchModes() {
        XCTAssertTrue(Metrics.isExactMatch(prediction: "2021-03-05", reference: "2021-03-05"))
        XCTAssertFalse(Metrics.isExactMatch(prediction: " 2021-03-05\n", reference: "2021-03-05"))
        XCTAssertTrue(Metrics.isExactMatch(prediction: " 2021-03-05\n", reference: "2021-03-05", normalization: .trimmingWhitespace))
        XCTAssertFalse(Metrics.isExactMatch(prediction: "caf\u{E9}", reference: "cafe\u{301}"), "code points, as Python compares")
        XCTAssertTrue(Metrics.isExactMatch(prediction: "The Drupe.", reference: "drupe", normalization: .squad))
        XCTAssertEqual(Metrics.exactMatch(predictions: ["a", "b", "c", "d"], references: ["a", "x", "c", "y"]), 0.5)
        XCTAssertEqual(Metrics.exactMatch(predictions: [], references: []), 0)
    }

    func testClassificationReport() {
        let r = Metrics.classificationReport(predictions: ["pome", "pome", "drupe", "berry"],
                                             references: ["pome", "drupe", "drupe", "drupe"])
        XCTAssertEqual(r.accuracy, 0.5)
        XCTAssertEqual(r.perLabel.map(\.label), ["berry", "drupe", "pome"])
        let drupe = r.perLabel[1]
        XCTAssertEqual(drupe.precision, 1); XCTAssertEqual(drupe.recall, 1.0 / 3); XCTAssertEqual(drupe.support, 3)
        XCTAssertEqual(r.macroF1, (0 + 0.5 + 2.0 / 3) / 3, accuracy: 1e-12)
        XCTAssertEqual(r.confusion["drupe"]?["pome"], 1)
        XCTAssertEqual(r.confusion["drupe"]?["berry"], 1)
    }

    func testBLEUEdgeCases() {
        XCTAssertEqual(Metrics.corpusBLEU(hypotheses: [], references: []).score, 0)
        XCTAssertEqual(Metrics.sentenceBLEU(hypothesis: "the cat sat on the mat", references: ["the cat sat on the mat"]).score, 100, accuracy: 1e-9)
        XCTAssertEqual(Tokenizer13a.tokenize("Hello, world! 3.14-2"), ["Hello", ",", "world", "!", "3.14", "-", "2"])
    }
}
