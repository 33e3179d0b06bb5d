// DataHygieneTests.swift: JSONL errors name file, line and field; splits are seeded, disjoint,
// complete and written atomically; the leak check finds exact and near duplicates across splits.
import Foundation
import XCTest
@testable import Evaluation
import Generation

final class DataHygieneTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("tailor-eval-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let u = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: u)
        return u.path
    }

    func firstError(_ text: String) throws -> String {
        let p = try write("data.jsonl", text)
        do { _ = try JSONL.readExamples(at: p); return "no error" } catch let e as JSONLError {
            XCTAssertEqual(e.file, p)
            return "\(e.line): \(e.message)"
        }
    }

    // MARK: JSONL

    func testMalformedLinesNameLineAndField() throws {
        let ok = #"{"input": "peach", "target": "drupe"}"#
        XCTAssertEqual(try firstError(ok + "\n" + #"{"input": "apple"}"#), "2: field 'target' is missing")
        XCTAssertEqual(try firstError(#"{"input": "apple", "target": [3]}"#), "1: field 'target' is not a string (found array)")
        XCTAssertEqual(try firstError(#"{"input": null, "target": "x"}"#), "1: field 'input' is not a string (found null)")
        XCTAssertEqual(try firstError(#"{"input": "a", "target": null}"#), "1: field 'target' is not a string (found null)")
        XCTAssertEqual(try firstError(#"{"foo": "a", "bar": "b"}"#), "1: field 'input' is missing (also looked for 'question', 'text', 'sentence', 'prompt', 'query', 'instruction'; name it with --field-map input=FIELD)")
        XCTAssertEqual(try firstError(ok + "\n\n" + #"{"input": "apple", "target": "po"#), "3: invalid JSON")
        XCTAssertEqual(try firstError(#"["apple", "pome"]"#), "1: expected a JSON object, found array")
        XCTAssertEqual(try firstError(#"{"input": "  ", "target": "x"}"#), "1: field 'input' is empty")
        XCTAssertEqual(try firstError(#"{"input": "a", "target": "x", "labels": "x"}"#), "1: field 'labels' is not an array (found string)")
        XCTAssertEqual(try firstError(#"{"input": "a", "target": "x", "labels": ["x", 2]}"#), "1: field 'labels' item 1 is not a string (found number)")
        XCTAssertEqual(try firstError(#"{"input": "a", "target": "x", "labels": ["y"]}"#), "1: field 'target' value 'x' is not one of 'labels'")
    }

    func testErrorDescriptionIsFileColonLine() throws {
        let p = try write("d.jsonl", #"{"input": "a", "target": "b"}"# + "\n" + #"{"input": "a"}"# + "\n")
        XCTAssertThrowsError(try JSONL.readExamples(at: p)) { XCTAssertEqual("\($0)", "\(p):2: field 'target' is missing") }
        XCTAssertThrowsError(try JSONL.readExamples(at: dir.appendingPathComponent("none.jsonl").path)) {
            XCTAssertTrue("\($0)".hasSuffix("none.jsonl: no such file"), "\($0)")
        }
    }

    func testInvalidUTF8AndAllProblems() throws {
        let u = dir.appendingPathComponent("bad.jsonl")
        var bytes = Array(#"{"input": "a", "target": "b"}"#.utf8) + [0x0A]
        bytes += Array(#"{"input": ""#.utf8) + [0xFF, 0xFE] + Array(#"", "target": "b"}"#.utf8) + [0x0A]
        bytes += Array(#"{"target": "b"}"#.utf8) + [0x0D, 0x0A]
        try Data(bytes).write(to: u)
        XCTAssertEqual(JSONL.problems(in: u.path).map { "\($0.line): \($0.message)" },
                       ["2: line is not valid UTF-8", "3: field 'input' is missing"])
    }

    func testReadsBOMCRLFAndKeepsRawLines() throws {
        let p = try write("ok.jsonl", "\u{FEFF}" + #"{"input": "café", "target": "x", "labels": ["x", "y"], "id": 7}"# + "\r\n\n" + #"{"input":"b","target":"y"}"#)
        let ex = try JSONL.readExamples(at: p)
        XCTAssertEqual(ex, [TaskExample(input: "café", target: "x", labels: ["x", "y"], line: 1), TaskExample(input: "b", target: "y", line: 3)])
        XCTAssertEqual(try JSONL.readRecords(at: p).last?.raw, #"{"input":"b","target":"y"}"#)
    }

    // MARK: split

    func makeSet(_ n: Int, labels: Int = 3) throws -> String {
        let lines = (0..<n).map { #"{"input": "item number \#($0)", "target": "t\#($0 % labels)"}"# }
        return try write("set.jsonl", lines.joined(separator: "\n") + "\n")
    }

    func testSplitMix64KnownValues() {
        // Reference values from Vigna's splitmix64.c with seed 1234567.
        var g = SplitMix64(seed: 1234567)
        XCTAssertEqual([g.next(), g.next(), g.next()], [6457827717110365317, 3203168211198807973, 9817491932198370423])
    }

    func testFractionsMustSumToOne() {
        XCTAssertNoThrow(try SplitFractions(train: 0.8, validation: 0.1, test: 0.1))
        XCTAssertNoThrow(try SplitFractions(train: 0.7, validation: 0.2, test: 0.1000005))
        XCTAssertThrowsError(try SplitFractions(train: 0.8, validation: 0.1, test: 0.2)) { XCTAssertTrue("\($0)".contains("sum to 1")) }
        XCTAssertThrowsError(try SplitFractions(train: 1.2, validation: -0.1, test: -0.1)) { XCTAssertTrue("\($0)".contains("--train")) }
        XCTAssertThrowsError(try SplitFractions(train: .nan, validation: 0, test: 1))
    }

    func testSplitIsSeededDisjointAndComplete() throws {
        let f = try SplitFractions(train: 0.8, validation: 0.1, test: 0.1)
        let a = DatasetSplitter.assign(count: 101, fractions: f, seed: 7)
        XCTAssertEqual(a, DatasetSplitter.assign(count: 101, fractions: f, seed: 7))
        XCTAssertNotEqual(a, DatasetSplitter.assign(count: 101, fractions: f, seed: 8))
        XCTAssertEqual([a.train.count, a.validation.count, a.test.count], [81, 10, 10])
        XCTAssertEqual((a.train + a.validation + a.test).sorted(), Array(0..<101))
        XCTAssertEqual(a.train, a.train.sorted())
        let s = DatasetSplitter.assignStratified(targets: (0..<90).map { "t\($0 % 3)" }, fractions: f, seed: 7)
        XCTAssertEqual(s.test.map { $0 % 3 }.sorted(), [0, 0, 0, 1, 1, 1, 2, 2, 2])
        XCTAssertEqual((s.train + s.validation + s.test).sorted(), Array(0..<90))
    }

    func testSplitWritesThreeFilesByteForByte() throws {
        let p = try makeSet(50)
        let f = try SplitFractions(train: 0.6, validation: 0.2, test: 0.2)
        let r = try DatasetSplitter.split(file: p, fractions: f, seed: 42, outputDirectory: dir.appendingPathComponent("out").path)
        XCTAssertTrue(r.trainPath.hasSuffix("out/set.train.jsonl"))
        let original = Set(try String(contentsOfFile: p, encoding: .utf8).split(separator: "\n").map(String.init))
        var all: [String] = []
        for path in [r.trainPath, r.validationPath, r.testPath] {
            all += try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        }
        XCTAssertEqual(all.count, 50)
        XCTAssertEqual(Set(all), original)
        XCTAssertEqual(try JSONL.readExamples(at: r.testPath).count, 10)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("out").path).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [], "temporary files left behind")
    }

    func testSplitIsAllOrNothing() throws {
        let p = try makeSet(20)
        let f = try SplitFractions(train: 0.8, validation: 0.1, test: 0.1)
        // an older train file must survive a failed split, and no temp file may remain
        try write("set.train.jsonl", "old\n")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("set.test.jsonl"), withIntermediateDirectories: false)
        XCTAssertThrowsError(try DatasetSplitter.split(file: p, fractions: f, seed: 1)) { XCTAssertTrue("\($0)".contains("is a directory"), "\($0)") }
        XCTAssertEqual(try String(contentsOfFile: dir.appendingPathComponent("set.train.jsonl").path, encoding: .utf8), "old\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("set.val.jsonl").path))
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        XCTAssertEqual(names.filter { $0.contains(".tmp-") }, [])
        // a malformed input writes nothing
        let bad = try write("bad.jsonl", #"{"input": "a", "target": "b"}"# + "\n" + #"{"input": "c"}"# + "\n")
        XCTAssertThrowsError(try DatasetSplitter.split(file: bad, fractions: f, seed: 1)) { XCTAssertEqual("\($0)", "\(bad):2: field 'target' is missing") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("bad.train.jsonl").path))
    }

    func testAtomicWriteReplacesWholeFile() throws {
        let u = dir.appendingPathComponent("a.txt")
        try AtomicFile.write(Data("first version, long\n".utf8), to: u)
        try AtomicFile.write(Data("second\n".utf8), to: u)
        XCTAssertEqual(try String(contentsOf: u, encoding: .utf8), "second\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["a.txt"])
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: dir.appendingPathComponent("no/such/dir/f.txt")))
    }

    // MARK: leak check

    func split(_ name: String, _ inputs: [String]) -> SplitFile {
        SplitFile(name: name, path: "\(name).jsonl", examples: inputs.enumerated().map { TaskExample(input: $1, target: "x", line: $0 + 1) })
    }

    func testNormalization() {
        XCTAssertEqual(LeakChecker.normalize("  Hello,   WORLD!\n\t(again) — “quoted”  "), "hello world again quoted")
    }

    func testExactAndNearLeaksAcrossSplitsOnly() {
        let train = split("train", ["The quick brown fox jumps over the lazy dog", "completely unrelated sentence about tax forms",
                                    "I was charged twice for my subscription this month", "dup within train", "dup within train"])
        let test = split("test", ["the quick brown fox, jumps over the LAZY dog!", "a wholly different topic: gardening in spring",
                                  "I was charged twice for my subscription this month!!", "my package never arrived at all"])
        let val = split("val", ["I was charged twice for my subscriptions this month"])
        let r = LeakChecker.check([train, val, test])
        XCTAssertEqual(r.exactCount, 2)
        XCTAssertEqual(r.nearCount, 2, r.renderText())
        let pairs = r.leaks.map { "\($0.kind) \($0.first.split):\($0.first.line) \($0.second.split):\($0.second.line)" }
        XCTAssertEqual(Set(pairs), ["exact train:1 test:1", "exact train:3 test:3", "near train:3 val:1", "near val:1 test:3"])
        for l in r.leaks where l.kind == "near" { XCTAssertGreaterThanOrEqual(l.jaccard, 0.8); XCTAssertLessThan(l.jaccard, 1) }
        XCTAssertTrue(r.renderText().contains("LEAKS: 2 exact, 2 near"))
        // a higher threshold drops the near pairs; word shingles work too
        var o = LeakCheckOptions(); o.threshold = 0.99
        XCTAssertEqual(LeakChecker.check([train, val, test], options: o).nearCount, 0)
        o = LeakCheckOptions(); o.shingling = .words(2); o.threshold = 0.6
        XCTAssertGreaterThan(LeakChecker.check([train, val, test], options: o).nearCount, 0)
    }

    func testCleanSplitsHaveNoLeaks() {
        let r = LeakChecker.check([split("train", ["apple", "pear", "quince"]), split("test", ["peach", "plum", "cherry"])])
        XCTAssertFalse(r.hasLeaks)
        XCTAssertTrue(r.renderText().contains("no leaks"))
    }

    func testMinHashEstimateTracksJaccard() {
        let a = LeakChecker.shingles(LeakChecker.normalize("the customer was charged twice for the same order last week"), .characters(5))
        let b = LeakChecker.shingles(LeakChecker.normalize("the customer was charged twice for the same order this week"), .characters(5))
        let sa = LeakChecker.signature(a, count: 256), sb = LeakChecker.signature(b, count: 256)
        let est = Double(zip(sa, sb).filter { $0 == $1 }.count) / 256
        XCTAssertEqual(est, LeakChecker.jaccard(a, b), accuracy: 0.12)
    }
}
