// ExampleFieldsTests.swift: task sets in the other common layouts (text/label, question/choices
// with an answer index, Alpaca's instruction/input/output, numeric and boolean targets) read as
// the same examples as Tailor's input/target layout; --field-map names unknown fields; errors say
// which names were tried; a card inferred from a small closed set of targets is classification.
import Evaluation
import Foundation
import XCTest

final class ExampleFieldsTests: XCTestCase {
    func record(_ json: String) throws -> JSONLRecord {
        guard case .object(let f) = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)) else { throw XCTSkip("not an object") }
        return JSONLRecord(line: 3, raw: json, fields: f)
    }

    func example(_ json: String, _ fields: ExampleFields = .standard) throws -> TaskExample {
        try JSONL.example(from: try record(json), file: "f.jsonl", fields: fields)
    }

    func testCommonLayoutsReadAsInputAndTarget() throws {
        XCTAssertEqual(try example(#"{"text": "great film", "label": "positive"}"#), TaskExample(input: "great film", target: "positive", line: 3))
        XCTAssertEqual(try example(#"{"question": "2+2?", "answer": "4"}"#), TaskExample(input: "2+2?", target: "4", line: 3))
        XCTAssertEqual(try example(#"{"sentence": "s", "label": 1}"#).target, "1", "an integer label without label names is its number")
        XCTAssertEqual(try example(#"{"query": "q", "response": true}"#).target, "true")
        XCTAssertEqual(try example(#"{"input": "i", "target": "t", "text": "ignored"}"#).input, "i", "input/target wins over the aliases")
    }

    func testAnswerIndexPicksTheChoice() throws {
        let e = try example(#"{"question": "Capital of France?", "choices": ["Berlin", "Paris"], "answer": 1}"#)
        XCTAssertEqual(e.target, "Paris")
        XCTAssertEqual(e.labels, ["Berlin", "Paris"])
        XCTAssertThrowsError(try example(#"{"question": "q", "choices": ["a", "b"], "answer": 2}"#)) {
            XCTAssertEqual("\($0)", "f.jsonl:3: field 'answer' index 2 is outside 'choices' (2 items)")
        }
        // numeric labels that name themselves are not indices
        XCTAssertEqual(try example(#"{"input": "x", "labels": ["1", "5"], "target": 1}"#).target, "1")
    }

    func testAlpacaJoinsInstructionAndNonEmptyInput() throws {
        XCTAssertEqual(try example(#"{"instruction": "Translate to French.", "input": "cat", "output": "chat"}"#).input, "Translate to French.\n\ncat")
        XCTAssertEqual(try example(#"{"instruction": "What is 2+2?", "input": "", "output": "4"}"#).input, "What is 2+2?")
    }

    func testFieldMapAndErrorsNameTheFields() throws {
        let map = try ExampleFields(parsing: "input=foo, target=bar")
        XCTAssertEqual(try example(#"{"foo": "x", "bar": "y"}"#, map), TaskExample(input: "x", target: "y", line: 3))
        XCTAssertThrowsError(try example(#"{"foo": "x"}"#, map)) { XCTAssertEqual("\($0)", "f.jsonl:3: field 'bar' is missing") }
        XCTAssertThrowsError(try example(#"{"foo": "x", "bar": "y"}"#)) {
            XCTAssertEqual("\($0)", "f.jsonl:3: field 'input' is missing (also looked for 'question', 'text', 'sentence', 'prompt', 'query', 'instruction'; name it with --field-map input=FIELD)")
        }
        XCTAssertThrowsError(try ExampleFields(parsing: "inp=foo")) { XCTAssertEqual("\($0)", "--field-map: unknown name 'inp' (use input, target, labels)") }
        XCTAssertThrowsError(try ExampleFields(parsing: "input")) { XCTAssertEqual("\($0)", "--field-map: 'input' is not NAME=FIELD") }
        XCTAssertThrowsError(try example(#"{"text": ["a"], "label": "x"}"#)) { XCTAssertEqual("\($0)", "f.jsonl:3: field 'text' is not a string (found array)") }
    }

    func testInferredCardTreatsAClosedTargetSetAsClasses() {
        func ex(_ targets: [String]) -> [TaskExample] { targets.map { TaskExample(input: "x", target: $0) } }
        let sentiment = TaskCard.inferred(name: "s", examples: ex(["pos", "neg", "pos", "neg", "neg", "pos"]))
        XCTAssertEqual(sentiment.labels, ["neg", "pos"], "sorted, so every split infers the same order")
        XCTAssertEqual(sentiment.metric, .accuracy)
        let qa = TaskCard.inferred(name: "q", examples: ex(["Paris", "4", "blue", "1969", "Rome", "7"]))
        XCTAssertNil(qa.labels, "unique answers are not classes")
        XCTAssertEqual(qa.metric, .exactMatch)
        XCTAssertNil(TaskCard.inferred(name: "l", examples: ex(Array(repeating: String(repeating: "long answer ", count: 5), count: 6) + ["b", "b", "b"])).labels,
                     "answers over 40 characters are not labels")
    }
}
