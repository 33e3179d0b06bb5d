// LabelScoringTests.swift: label log-likelihoods on the real model, checked against an
// independent summation over the model's raw logits (float64 log-sum-exp written here), the
// shared-prefix scorer against the one-forward definition, and a toy case with a known answer.
import Evaluation
import Foundation
import Loading
import XCTest

final class LabelScoringTests: XCTestCase {
    /// log p(token | row) in float64, without the library's helper.
    func referenceLogProb(_ row: ArraySlice<Float>, _ token: Int32) -> Double {
        let xs = row.map(Double.init)
        let m = xs.max()!
        let lse = m + log(xs.reduce(0) { $0 + exp($1 - m) })
        return xs[Int(token)] - lse
    }

    func testLogLikelihoodMatchesIndependentSummation() throws {
        let m = try SharedModel.load()
        let scorer = LabelScorer(model: m.model, tokenizer: m.tokenizer)
        let context = m.tokenizer.encode("Peaches, plums and cherries are stone fruits, botanically called", addSpecial: true, parseSpecial: false)
        let cont = m.tokenizer.encode(" drupes.", addSpecial: false, parseSpecial: false)
        XCTAssertGreaterThan(cont.count, 1)
        let got = try scorer.logLikelihood(context: context, continuation: cont)
        // independent: forward the whole sequence, take each continuation token's row
        let all = context + cont
        let cache = m.model.makeCache(capacity: all.count, precision: .f16)
        let logits = try m.model.forward(all, cache: cache, allLogits: true)
        let v = m.model.vocabularySize
        var want = 0.0
        for (i, t) in cont.enumerated() {
            let r = context.count - 1 + i
            want += referenceLogProb(logits[(r * v)..<((r + 1) * v)], t)
        }
        XCTAssertEqual(got, want, accuracy: 1e-4)
        XCTAssertLessThan(got, 0)
    }

    func testSharedPrefixScoresEqualOneForwardScores() throws {
        let m = try SharedModel.load()
        let em = try SharedModel.evalModel()
        // A summation order that does not depend on how tokens are chunked: the default `.int8`
        // sums prompts in block order and single tokens in lanes, which moves scores by int8 noise.
        m.model.activations = .int8Lanes
        defer { m.model.activations = .int8 }
        let scorer = LabelScorer(model: m.model, tokenizer: m.tokenizer)
        let rendered = try em.render(userPrompt: "Give the botanical fruit type. Answer with one of: drupe, pome, berry.\n\nPlant: cherry\nFruit type:")
        let prompt = em.tokens(ofRendered: rendered)
        let labels = ["drupe", "pome", "berry", "hesperidium"]
        let shared = try scorer.score(prompt: rendered, promptTokens: prompt, labels: labels)
        for s in shared {
            let cont = scorer.continuationTokens(prompt: rendered, promptTokens: prompt, continuation: s.label)
            XCTAssertEqual(s.tokenCount, cont.count)
            XCTAssertEqual(s.logLikelihood, try scorer.logLikelihood(context: prompt, continuation: cont), accuracy: 0.02, s.label)
        }
        XCTAssertGreaterThan(shared.first { $0.label == "hesperidium" }!.tokenCount, 1, "a multi-token label is exercised")
    }

    func testToyCaseWithKnownAnswer() throws {
        let m = try SharedModel.load()
        let scorer = LabelScorer(model: m.model, tokenizer: m.tokenizer)
        let text = "One, two, three, four,"
        let prompt = m.tokenizer.encode(text, addSpecial: true, parseSpecial: false)
        let scores = try scorer.score(prompt: text, promptTokens: prompt, labels: [" banana", " five", " Tuesday"])
        XCTAssertEqual(LabelScorer.best(scores)?.label, " five", "\(scores)")
        let capital = "The capital of France is"
        let cp = m.tokenizer.encode(capital, addSpecial: true, parseSpecial: false)
        let s2 = try scorer.score(prompt: capital, promptTokens: cp, labels: [" Berlin", " Paris", " Madrid"])
        XCTAssertEqual(LabelScorer.best(s2)?.label, " Paris", "\(s2)")
    }

    func testContinuationSplitMatchesLmEval() throws {
        let m = try SharedModel.load()
        let scorer = LabelScorer(model: m.model, tokenizer: m.tokenizer)
        let p = "<|im_start|>assistant\n"
        let pt = m.tokenizer.encode(p, addSpecial: false, parseSpecial: true)
        let c = scorer.continuationTokens(prompt: p, promptTokens: pt, continuation: "drupe")
        XCTAssertEqual(pt + c, m.tokenizer.encode(p + "drupe", addSpecial: false, parseSpecial: true))
    }

    func testBestAndNormalized() {
        let a = LabelLikelihood(label: "ab", logLikelihood: -2, tokenCount: 1)
        let b = LabelLikelihood(label: "abcdefgh", logLikelihood: -3, tokenCount: 2)
        XCTAssertEqual(LabelScorer.best([a, b])?.label, "ab")
        XCTAssertEqual(LabelScorer.best([a, b], normalized: true)?.label, "abcdefgh")
        XCTAssertEqual(LabelScorer.best([a, a])?.label, "ab")
        // log-softmax helper against float64
        let row: [Float] = [1, 2, 3, -1]
        let lse = log(exp(1.0) + exp(2.0) + exp(3.0) + exp(-1.0))
        XCTAssertEqual(LabelScorer.logSoftmax(row, offset: 0, count: 4, token: 1), 2 - lse, accuracy: 1e-6)
    }
}
