// ExtractionTests.swift: answer extractors and the self-consistency majority vote.
import Evaluation
import XCTest

final class ExtractionTests: XCTestCase {
    let labels = ["drupe", "pome", "berry", "nut", "aggregate"]

    func testFirstLine() {
        XCTAssertEqual(AnswerExtractor.firstLine.extract("\n\n  drupe  \nbecause..."), "drupe")
        XCTAssertEqual(AnswerExtractor.firstLine.extract(""), "")
    }

    func testRegexFirstAndLastMatch() {
        let last = AnswerExtractor([.lastMatch(pattern: "(?i)answer:\\s*(.+)")])
        XCTAssertEqual(last.extract("Answer: pome?\nWait. Answer: drupe"), "drupe")
        let first = AnswerExtractor([.firstMatch(pattern: "[0-9]{4}-[0-9]{2}-[0-9]{2}")])
        XCTAssertEqual(first.extract("The date is 2021-03-05, not 2021-05-03."), "2021-03-05")
        XCTAssertEqual(first.extract("no date"), "no date", "no match passes the text on")
    }

    func testChoiceAmongLabels() {
        func c(_ s: String, last: Bool = false) -> String { AnswerExtractor([.choice(labels: labels, preferLast: last)]).extract(s) }
        XCTAssertEqual(c("Drupe."), "drupe")
        XCTAssertEqual(c("**pome**"), "pome")
        XCTAssertEqual(c("It is a berry, not a drupe"), "berry")
        XCTAssertEqual(c("It is a berry, not a drupe", last: true), "drupe")
        XCTAssertEqual(c("a nutty taste, blueberry-like"), "a nutty taste, blueberry-like", "no whole-word label -> normalized text")
        XCTAssertEqual(c("A nut."), "nut")
        XCTAssertEqual(c("Aggregates"), "aggregates", "a longer word is not the label")
    }

    func testBuilderExtractorPipelines() {
        let card = TaskCard(name: "t", instruction: "i", answerLabel: "Answer", metric: .accuracy, labels: labels)
        let b = PromptBuilder(card: card)
        XCTAssertEqual(b.extractor(for: .zeroShot).extract("Answer: Pome"), "pome")
        XCTAssertEqual(b.extractor(for: .chainOfThought).extract("A peach has a stone, like a drupe or maybe a berry.\nAnswer: drupe"), "drupe")
        let dates = PromptBuilder(card: TaskCard(name: "d", instruction: "i", metric: .exactMatch, answerPattern: "[0-9]{4}-[0-9]{2}-[0-9]{2}"))
        XCTAssertEqual(dates.extractor(for: .zeroShot).extract("The ISO date is 2032-03-10.\nDone"), "2032-03-10")
        XCTAssertEqual(dates.extractor(for: .zeroShot).extract("March\nx"), "March")
        XCTAssertEqual(dates.extractor(for: .chainOfThought).extract("Year 2000 month 07.\nAnswer: 2000-07-18"), "2000-07-18")
    }

    func testMajorityVote() {
        XCTAssertEqual(MajorityVote(["a", "b", "a"]).answer, "a")
        XCTAssertEqual(MajorityVote(["a", "b", "a"]).votes, 2)
        // tie 2-2: the answer that reached 2 first wins (b at position 2, a at position 3)
        XCTAssertEqual(MajorityVote(["a", "b", "b", "a"]).answer, "b")
        XCTAssertEqual(MajorityVote(["a", "b"]).answer, "a")
        XCTAssertEqual(MajorityVote(["", "", "c"]).answer, "c", "empty answers do not vote")
        XCTAssertEqual(MajorityVote(["", ""]).answer, "")
        XCTAssertEqual(MajorityVote([]).answer, "")
        let v = MajorityVote(["x", "y", "y", "z", "y", "x"])
        XCTAssertEqual(v.tally.map(\.answer), ["y", "x", "z"])
        XCTAssertEqual(v.tally.map(\.votes), [3, 2, 1])
    }
}
