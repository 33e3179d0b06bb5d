// DatasetTests.swift: the shipped task sets under datasets/ are well-formed, their split files are
// exactly what DatasetSplitter makes from the whole file (seed 42), and no split leaks into another.
import Foundation
import XCTest
@testable import Evaluation
import TestSupport

final class DatasetTests: XCTestCase {
    static let datasets = TestAssets.datasets

    struct Spec { var name: String; var fractions: (Double, Double, Double); var stratified: Bool }
    let specs = [Spec(name: "fruit", fractions: (0.6, 0.2, 0.2), stratified: true),
                 Spec(name: "intent", fractions: (0.7, 0.15, 0.15), stratified: true),
                 Spec(name: "dates", fractions: (0.7, 0.15, 0.15), stratified: false)]

    func path(_ set: String, _ part: String? = nil) -> String {
        Self.datasets.appendingPathComponent(set).appendingPathComponent(part.map { "\(set).\($0).jsonl" } ?? "\(set).jsonl").path
    }

    func testSplitFilesAreReproducibleFromTheWholeSet() throws {
        for s in specs {
            let records = try JSONL.readRecords(at: path(s.name))
            let ex = try JSONL.readExamples(at: path(s.name))
            let f = try SplitFractions(train: s.fractions.0, validation: s.fractions.1, test: s.fractions.2)
            let a = s.stratified ? DatasetSplitter.assignStratified(targets: ex.map(\.target), fractions: f, seed: 42)
                : DatasetSplitter.assign(count: ex.count, fractions: f, seed: 42)
            for (part, idx) in [("train", a.train), ("val", a.validation), ("test", a.test)] {
                let expected = idx.map { records[$0].raw + "\n" }.joined()
                XCTAssertEqual(try String(contentsOfFile: path(s.name, part), encoding: .utf8), expected, "\(s.name).\(part)")
            }
        }
    }

    func testNoLeaksBetweenSplits() throws {
        for s in specs {
            let splits = try ["train", "val", "test"].map { SplitFile(name: $0, path: path(s.name, $0), examples: try JSONL.readExamples(at: path(s.name, $0))) }
            let r = LeakChecker.check(splits)
            XCTAssertFalse(r.hasLeaks, r.renderText())
        }
    }

    func testFruitSet() throws {
        let ex = try JSONL.readExamples(at: path("fruit"))
        XCTAssertTrue((200...260).contains(ex.count), "\(ex.count) fruits")
        XCTAssertEqual(Set(ex.map(\.input)).count, ex.count, "fruit names are distinct")
        let labels = try XCTUnwrap(ex.first?.labels)
        XCTAssertEqual(labels.count, 16)
        let byName = Dictionary(uniqueKeysWithValues: ex.map { ($0.input, $0.target) })
        // the seeds' examples and the classic traps
        let expected = ["peach": "drupe", "apple": "pome", "plum": "drupe", "pear": "pome", "lemon": "hesperidium",
                        "tomato": "berry", "banana": "berry", "strawberry": "aggregate", "pineapple": "multiple",
                        "fig": "multiple", "mulberry": "multiple", "olive": "drupe", "mango": "drupe", "quince": "pome",
                        "orange": "hesperidium", "watermelon": "pepo", "cucumber": "pepo", "pumpkin": "pepo",
                        "raspberry": "aggregate", "blackberry": "aggregate", "peanut": "legume", "pea": "legume",
                        "hazelnut": "nut", "chestnut": "nut", "acorn": "nut", "horse chestnut": "capsule",
                        "brazil nut": "capsule", "almond": "drupe", "coconut": "drupe", "maple": "samara", "wheat": "caryopsis"]
        for (k, v) in expected { XCTAssertEqual(byName[k], v, k) }
        let train = try JSONL.readExamples(at: path("fruit", "train"))
        XCTAssertEqual(Set(train.map(\.target)), Set(labels), "every label has training examples")
    }

    func testIntentSet() throws {
        let ex = try JSONL.readExamples(at: path("intent"))
        XCTAssertEqual(ex.count, 600)
        XCTAssertEqual(Dictionary(grouping: ex, by: \.target).mapValues(\.count),
                       ["billing": 100, "refund": 100, "shipping": 100, "account": 100, "technical": 100, "cancellation": 100])
    }

    func testDatesTargetsAreRealISODates() throws {
        let ex = try JSONL.readExamples(at: path("dates"))
        XCTAssertGreaterThanOrEqual(ex.count, 400)
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC")!
        for e in ex {
            let p = e.target.split(separator: "-").compactMap { Int($0) }
            XCTAssertEqual(p.count, 3, e.target)
            XCTAssertEqual(e.target.count, 10, e.target)
            let c = DateComponents(year: p[0], month: p[1], day: p[2])
            XCTAssertTrue(c.isValidDate(in: cal), e.target)
            XCTAssertTrue(e.input.contains(String(p[0])), "\(e.input) names the year \(p[0])")
        }
    }
}
