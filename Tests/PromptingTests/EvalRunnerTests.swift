// EvalRunnerTests.swift: a small evaluation on the real model (few examples: the debug build is
// slow): every mode produces consistent outcomes and scores, label scoring picks the argmax of
// its own scores, reports render to JSON and HTML.
import Evaluation
import Foundation
import XCTest

final class EvalRunnerTests: XCTestCase {
    func testSmallFruitEvaluation() throws {
        let em = try SharedModel.evalModel()
        let test = TestAssets.datasets.appendingPathComponent("fruit/fruit.test.jsonl").path
        let train = try JSONL.readExamples(at: TestAssets.datasets.appendingPathComponent("fruit/fruit.train.jsonl").path)
        let examples = try JSONL.readExamples(at: test)
        let card = try TaskCard.load(forDataFile: test, examples: examples)
        var o = EvalOptions()
        o.modes = [.zeroShot, .fewShot(2), .labelScoring(shots: 0)]
        o.limit = 2
        var ticks = 0
        let report = try EvalRunner(model: em, card: card, train: train, options: o)
            .run(examples, modelName: em.name, dataPath: test) { _ in ticks += 1 }
        XCTAssertEqual(ticks, 9, "a start tick and one per example, per mode")
        XCTAssertEqual(report.runs.map(\.mode), ["zero", "few:2", "label"])
        for r in report.runs {
            XCTAssertEqual(r.count, 2)
            XCTAssertEqual(r.score, Double(r.examples.filter { $0.prediction == $0.target }.count) / 2, accuracy: 1e-12)
            XCTAssertEqual(r.correct, r.examples.filter(\.correct).count)
            XCTAssertNotNil(r.macroF1)
        }
        let few = report.runs[1].examples[0]
        XCTAssertEqual(few.prompt.components(separatedBy: "Fruit type:").count - 1, 3, "two shots and the question")
        for e in report.runs[0].examples { XCTAssertLessThanOrEqual(e.generatedTokens, 12) }
        for e in report.runs[2].examples {
            let scores = try XCTUnwrap(e.labelScores)
            XCTAssertEqual(scores.count, 16)
            XCTAssertEqual(e.prediction, scores.max { $0.logLikelihood < $1.logLikelihood }!.label)
            XCTAssertEqual(e.generatedTokens, 0)
        }
        // JSON round trip and HTML
        let json = try JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any]
        XCTAssertEqual((json?["runs"] as? [Any])?.count, 3)
        XCTAssertNotNil((json?["runs"] as? [[String: Any]])?.first?["macro_f1"])
        let html = HTMLReport.render([report])
        XCTAssertTrue(html.contains("<svg") && html.contains("</html>") && !html.contains("<script"))
        XCTAssertEqual(html.components(separatedBy: "<rect").count - 1, 3, "one bar per mode")
        let table = ReportTable.render(report)
        XCTAssertTrue(table.contains("few:2") && table.contains("label"), table)
    }

    func testLabelScoringNeedsLabelsAndShotsNeedAPool() throws {
        let em = try SharedModel.evalModel()
        let ex = [TaskExample(input: "March 5, 2021", target: "2021-03-05")]
        let card = TaskCard(name: "d", instruction: "ISO date.", metric: .exactMatch)
        var o = EvalOptions()
        o.modes = [.labelScoring(shots: 0)]
        XCTAssertThrowsError(try EvalRunner(model: em, card: card, train: [], options: o).run(ex, modelName: "m", dataPath: "d"))
        o.modes = [.fewShot(2)]
        XCTAssertThrowsError(try EvalRunner(model: em, card: card, train: [], options: o).run(ex, modelName: "m", dataPath: "d")) {
            XCTAssertEqual($0 as? PromptError, .emptyPool(needed: 2))
        }
    }

    func testHTMLEscapesAndWritesAtomically() throws {
        let ex = ExampleOutcome(index: 0, line: 1, input: "<b>&\"x\"</b>", target: "t", prompt: "p", reply: "<script>", prediction: "q",
                                correct: false, score: 0, samples: nil, labelScores: nil, generatedTokens: 0)
        let run = ModeRun(mode: "zero", metric: "accuracy", score: 0, macroF1: nil, count: 1, correct: 0, seconds: 0, generatedTokens: 0, examples: [ex])
        let rep = EvalReport(model: "m", data: "d", task: "t<", metric: "accuracy", shotSelection: "random", seed: 0, runs: [run])
        let html = HTMLReport.render([rep])
        XCTAssertFalse(html.contains("<script>"))
        XCTAssertTrue(html.contains("&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;"))
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("tailor-report-\(UUID().uuidString).html")
        defer { try? FileManager.default.removeItem(at: out) }
        try HTMLReport.write([rep], to: out.path)
        XCTAssertEqual(try String(contentsOf: out, encoding: .utf8), html)
        XCTAssertThrowsError(try HTMLReport.write([rep], to: "/nonexistent-dir/x.html"))
    }
}
