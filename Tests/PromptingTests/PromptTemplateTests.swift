// PromptTemplateTests.swift: prompt templates, prompt modes, task cards and the prompt layout.
import Evaluation
import Foundation
import XCTest

final class PromptTemplateTests: XCTestCase {
    func testTemplateVariablesAndEscapes() throws {
        let t = try PromptTemplate("{greeting}, {name}! {{literal}} {name}")
        XCTAssertEqual(t.variables, ["greeting", "name"])
        XCTAssertEqual(try t.render(["greeting": "Hi", "name": "Ana {x}"]), "Hi, Ana {x}! {literal} Ana {x}")
        XCTAssertThrowsError(try t.render(["greeting": "Hi"])) { XCTAssertEqual($0 as? PromptError, .missingVariable("name")) }
        for bad in ["{open", "close}", "{}", "{a b}"] {
            XCTAssertThrowsError(try PromptTemplate(bad), bad)
        }
        XCTAssertEqual(try PromptTemplate("").render([:]), "")
    }

    func testPromptModesParseAndRoundTrip() throws {
        let cases: [(String, PromptMode)] = [("zero", .zeroShot), ("one", .oneShot), ("few:5", .fewShot(5)), ("cot", .chainOfThought),
                                             ("sc:3", .selfConsistency(3)), ("label", .labelScoring(shots: 0)), ("label:4", .labelScoring(shots: 4))]
        for (text, mode) in cases {
            XCTAssertEqual(try PromptMode(parsing: text), mode)
            XCTAssertEqual(try PromptMode(parsing: mode.description), mode)
        }
        XCTAssertEqual(PromptMode.fewShot(5).shotCount, 5)
        XCTAssertEqual(PromptMode.oneShot.shotCount, 1)
        XCTAssertTrue(PromptMode.selfConsistency(3).usesReasoning)
        for bad in ["few", "few:0", "few:x", "sc:", "two", "label:-1"] {
            XCTAssertThrowsError(try PromptMode(parsing: bad), bad)
        }
    }

    func testPromptLayoutFewShotAndReasoning() throws {
        let card = TaskCard(name: "fruit", instruction: "Give the fruit type.", inputLabel: "Plant", answerLabel: "Type",
                            metric: .accuracy, labels: ["drupe", "pome"])
        let b = PromptBuilder(card: card)
        let shots = [TaskExample(input: "peach", target: "drupe"), TaskExample(input: "apple", target: "pome")]
        let q = TaskExample(input: "plum", target: "drupe")
        XCTAssertEqual(try b.prompt(for: q, shots: shots, mode: .fewShot(2)),
                       "Give the fruit type. Answer with one of: drupe, pome.\n\nPlant: peach\nType: drupe\n\nPlant: apple\nType: pome\n\nPlant: plum\nType:")
        XCTAssertEqual(try b.prompt(for: q, shots: [], mode: .zeroShot),
                       "Give the fruit type. Answer with one of: drupe, pome.\n\nPlant: plum\nType:")
        let cot = try b.prompt(for: q, shots: [], mode: .chainOfThought)
        XCTAssertTrue(cot.contains("step by step") && cot.contains("\"Type:\"") && cot.hasSuffix("Plant: plum"), cot)
    }

    func testTaskCardsOfShippedSets() throws {
        for (name, metric) in [("fruit", TaskMetric.accuracy), ("intent", .accuracy), ("dates", .exactMatch)] {
            let path = TestAssets.datasets.appendingPathComponent("\(name)/\(name).test.jsonl").path
            let ex = try JSONL.readExamples(at: path)
            let card = try TaskCard.load(forDataFile: path, examples: ex)
            XCTAssertEqual(card.name, name)
            XCTAssertEqual(card.metric, metric)
            XCTAssertEqual(card.isClassification, name != "dates")
            if name == "fruit" { XCTAssertEqual(card.labels?.count, 16) }
        }
    }

    func testInferredCardAndBadCard() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tailor-card-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("x.jsonl").path
        let ex = [TaskExample(input: "a", target: "yes", labels: ["yes", "no"])]
        let inferred = try TaskCard.load(forDataFile: data, examples: ex)
        XCTAssertEqual(inferred.metric, .accuracy)
        XCTAssertEqual(inferred.labels, ["yes", "no"])
        XCTAssertEqual(try TaskCard.load(forDataFile: data, examples: [TaskExample(input: "a", target: "b")]).metric, .exactMatch)
        try Data(#"{"instruction": "x", "metric": "nope"}"#.utf8).write(to: dir.appendingPathComponent("task.json"))
        XCTAssertThrowsError(try TaskCard.load(forDataFile: data, examples: ex)) { e in
            XCTAssertTrue("\(e)".contains("task.json") && "\(e)".contains("metric"), "\(e)")
        }
    }
}
