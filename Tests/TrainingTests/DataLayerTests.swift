// DataLayerTests.swift: the training data layer on the tiny Llama's byte-level tokenizer (one token
// per byte for text without its three merges "Ġt", "he", "in"; eos 299): CSV reading (quotes,
// doubled quotes, commas and newlines inside quotes, a JSON messages column, column-count errors
// with FILE:LINE), bad JSONL lines reported as FILE:LINE: reason and skipped (thrown with strict),
// prompt masking, truncation with its count, packing, and the Batcher's seeded shuffling and
// collation (expected values written out by hand). The layouts against transformers are in
// SFTFormatReferenceTests.
import Evaluation
import Foundation
import Formats
import Loading
import Tokenizers
import XCTest
@testable import Training
import TestSupport

final class DataLayerTests: XCTestCase {
    static let tiny = TestAssets.fixtures.appendingPathComponent("models/tiny-llama.gguf").path
    let eos: Int32 = 299

    func formatter() throws -> SFTFormatter { SFTFormatter(tokenizer: try Tokenizer.load(ggufPath: Self.tiny), chatTemplate: nil) }

    func write(_ text: String, ext: String = "jsonl") throws -> String {
        let p = FileManager.default.temporaryDirectory.appendingPathComponent("data-\(UUID()).\(ext)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: p) }
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    func testByteTokenizerAssumption() throws {
        let t = try formatter().tokenizer
        XCTAssertEqual(t.eosID, eos)
        XCTAssertEqual(t.encode("abc xyz", addSpecial: true, parseSpecial: false).count, 7, "one token per byte, no BOS")
    }

    func testCSVQuotingLinesAndColumnErrors() throws {
        let csv = "prompt,completion\n" +
            "abc,\" yes\"\n" +
            "\"with, comma\",\" say \"\"hi\"\"\"\n" +
            "\"two\nrows\",\" ok\"\n" +
            "only one column\n" +
            "\n" +
            "last,\" end\"\n"
        let path = try write(csv, ext: "csv")
        let rows = try RecordReader.read(path)
        XCTAssertEqual(rows.count, 5)
        func ok(_ i: Int) -> JSONLRecord? { if case .success(let r) = rows[i] { return r } else { return nil } }
        XCTAssertEqual(ok(0)?.fields, ["prompt": .string("abc"), "completion": .string(" yes")])
        XCTAssertEqual(ok(0)?.line, 2)
        XCTAssertEqual(ok(1)?.fields, ["prompt": .string("with, comma"), "completion": .string(" say \"hi\"")])
        XCTAssertEqual(ok(2)?.fields["prompt"], .string("two\nrows"))
        XCTAssertEqual(ok(2)?.line, 4)
        guard case .failure(let e) = rows[3] else { return XCTFail("a short row must fail") }
        XCTAssertEqual(e.file, path)
        XCTAssertEqual(e.line, 6, "the record after a two-line cell starts on line 6")
        XCTAssertTrue(e.message.contains("expected 2 columns, found 1"), e.message)
        XCTAssertEqual(ok(4)?.line, 8)

        let chat = try write("messages\n\"[{\"\"role\"\":\"\"user\"\",\"\"content\"\":\"\"hi\"\"}]\"\n", ext: "csv")
        guard case .success(let r) = try RecordReader.read(chat)[0] else { return XCTFail() }
        XCTAssertEqual(r.fields["messages"], .array([.object(["role": .string("user"), "content": .string("hi")])]))

        // the CSV goes through the same formatter as JSONL: prompt masked, completion + eos in the loss
        let ds = try SFTDataset.load(path, formatter: try formatter(), options: DataOptions())
        XCTAssertEqual(ds.examples.count, 4)
        XCTAssertEqual(ds.problems.map(\.line), [6])
        XCTAssertEqual(ds.examples[0].inLoss, [false, false, false, true, true, true, true, true])
        XCTAssertEqual(ds.examples[0].origin, "\(path):2")
    }

    func testBadLinesNameFileAndLineAndAreSkippedUnlessStrict() throws {
        let lines = [
            #"{"prompt": "abc", "completion": " d"}"#,
            #"{"prompt": "abc", "completion": "#,               // not JSON
            #"{"question": "abc"}"#,                            // no known layout
            #"{"prompt": "abc", "completion": 5}"#,            // wrong type
            #"{"messages": [{"role": "user", "content": "x"}]}"#, // messages without a chat template
            "",
            #"{"text": "xyz"}"#,
        ]
        let path = try write(lines.joined(separator: "\n") + "\n")
        let ds = try SFTDataset.load(path, formatter: try formatter(), options: DataOptions())
        XCTAssertEqual(ds.examples.map(\.origin), ["\(path):1", "\(path):7"])
        XCTAssertEqual(ds.records.map(\.line), [1, 7])
        XCTAssertEqual(ds.problems.map(\.line), [2, 3, 4, 5])
        XCTAssertTrue(ds.problems.allSatisfy { $0.file == path })
        XCTAssertTrue(ds.problems[1].message.contains("no known layout"), ds.problems[1].message)
        XCTAssertTrue(ds.problems[2].message.contains("field 'completion' is not a string (found number)"), ds.problems[2].message)
        XCTAssertTrue(ds.problems[3].message.contains("chat template"), ds.problems[3].message)
        XCTAssertTrue("\(ds.problems[2])".contains("\(path):4"), "\(ds.problems[2])")

        var strict = DataOptions()
        strict.strict = true
        XCTAssertThrowsError(try SFTDataset.load(path, formatter: try formatter(), options: strict)) { e in
            XCTAssertEqual((e as? JSONLError)?.line, 2, "\(e)")
        }
        let onlyLayout = try write(lines[0] + "\n" + lines[2] + "\n")
        XCTAssertThrowsError(try SFTDataset.load(onlyLayout, formatter: try formatter(), options: strict)) { e in
            XCTAssertEqual((e as? JSONLError)?.line, 2)
            XCTAssertTrue("\(e)".contains("\(onlyLayout):2"), "\(e)")
        }
    }

    func testPromptMaskingTextAndInstruction() throws {
        var fmt = try formatter()
        let (t, m) = try fmt.format(["prompt": .string("abc"), "completion": .string(" xy")])
        XCTAssertEqual(t.count, 7)
        XCTAssertEqual(t.last, eos, "the end token closes the completion")
        XCTAssertEqual(m, [false, false, false, true, true, true, true])
        let (t2, m2) = try fmt.format(["text": .string("xyz")])
        XCTAssertEqual(t2.count, 4)
        XCTAssertEqual(m2, [true, true, true, true])
        XCTAssertEqual(TokenizedExample(tokens: t, inLoss: m, origin: "").lossTokenCount, 4)
        // input/target without a chat template: instruction + "\n" is the masked prompt
        fmt.instruction = "Q: {input}"
        let (t3, m3) = try fmt.format(["input": .string("ab"), "target": .string("c")])
        XCTAssertEqual(t3, fmt.tokenizer.encode("Q: ab\nc", addSpecial: true, parseSpecial: false) + [eos])
        XCTAssertEqual(m3, Array(repeating: false, count: 6) + [true, true])
        // completionOnlyLoss off: everything trains
        fmt.completionOnlyLoss = false
        XCTAssertEqual(try fmt.format(["prompt": .string("abc"), "completion": .string(" xy")]).inLoss, Array(repeating: true, count: 7))
    }

    func testTaskSetLayoutsTrainLikeInputTarget() throws {
        var fmt = try formatter()
        fmt.instruction = "Q: {input}"
        let want = try fmt.format(["input": .string("ab"), "target": .string("c")])
        for layout: [String: JSONValue] in [["text": .string("ab"), "label": .string("c")], ["question": .string("ab"), "answer": .string("c")],
                                            ["instruction": .string("ab"), "input": .string(""), "output": .string("c")],
                                            ["sentence": .string("ab"), "choices": .array([.string("b"), .string("c")]), "label": .number(1)]] {
            let got = try fmt.format(layout)
            XCTAssertEqual(got.tokens, want.tokens, "\(layout)")
            XCTAssertEqual(got.inLoss, want.inLoss, "\(layout)")
        }
        // a lone text is still language modelling; a field mapping still applies
        XCTAssertEqual(try fmt.format(["text": .string("ab")]).inLoss, [true, true, true])
        fmt.fields = try FieldMapping(parsing: "input=q,target=a")
        XCTAssertEqual(try fmt.format(["q": .string("ab"), "a": .string("c")]).tokens, want.tokens)
        XCTAssertThrowsError(try fmt.format(["q": .string("ab")])) { XCTAssertEqual("\($0)", "field 'a' is missing") }
    }

    func testTruncationCountsAndDropsExamplesWithoutTargets() throws {
        let path = try write([
            #"{"prompt": "ab", "completion": " cdefghijkl"}"#,  // 2 + 11 + eos = 14 -> 8
            #"{"prompt": "abcdefghijkl", "completion": " x"}"#, // prompt alone fills 8: nothing to learn
            #"{"prompt": "ab", "completion": " c"}"#,           // 2 + 2 + 1 = 5, untouched
        ].joined(separator: "\n"))
        var o = DataOptions()
        o.sequenceLength = 8
        let ds = try SFTDataset.load(path, formatter: try formatter(), options: o)
        XCTAssertEqual(ds.truncatedCount, 2)
        XCTAssertEqual(ds.examples.map(\.tokens.count), [8, 5])
        XCTAssertEqual(ds.examples[0].inLoss, [false, false, true, true, true, true, true, true])
        XCTAssertNotEqual(ds.examples[0].tokens.last, eos, "a truncated example loses its end token")
        XCTAssertEqual(ds.problems.map(\.line), [2])
        XCTAssertTrue(ds.problems[0].message.contains("no token left in the loss (after truncation to 8)"), ds.problems[0].message)
    }

    func testPackingConcatenatesIntoFullRows() {
        func ex(_ n: Int, from: Int32, lossFrom: Int) -> TokenizedExample {
            TokenizedExample(tokens: (0..<n).map { from + Int32($0) }, inLoss: (0..<n).map { $0 >= lossFrom }, origin: "f:\(from)")
        }
        let rows = SFTDataset.pack([ex(5, from: 10, lossFrom: 2), ex(7, from: 20, lossFrom: 3), ex(4, from: 30, lossFrom: 0)], length: 6)
        XCTAssertEqual(rows.map(\.tokens), [[10, 11, 12, 13, 14, 20], [21, 22, 23, 24, 25, 26], [30, 31, 32, 33]])
        XCTAssertEqual(rows.map(\.inLoss), [[false, false, true, true, true, false], [false, false, true, true, true, true], [true, true, true, true]])
        XCTAssertEqual(rows.map(\.origin), ["packed:0", "packed:1", "packed:2"])
        // a trailing remainder without targets is dropped
        XCTAssertEqual(SFTDataset.pack([ex(6, from: 0, lossFrom: 0), ex(2, from: 9, lossFrom: 2)], length: 6).count, 1)
        // DataOptions.packing packs inside load/make
        var o = DataOptions()
        o.packing = true; o.sequenceLength = 6
        let recs = (0..<3).map { JSONLRecord(line: $0 + 1, raw: "", fields: ["text": .string("abcd")]) }
        let ds = try? SFTDataset.make(records: recs, file: "m", formatter: try formatter(), options: o)
        XCTAssertEqual(ds?.examples.map(\.tokens.count), [6, 6, 3], "3 × (4 + eos) = 15 tokens")
    }

    func testBatcherShufflesBySeedAndCollatesShiftedLabels() {
        let examples = (0..<10).map { i in TokenizedExample(tokens: [Int32(i), 100, 101], inLoss: [false, true, true], origin: "\(i)") }
        let b = Batcher(examples: examples, batchSize: 4, seed: 42, padID: 0)
        XCTAssertEqual(b.batchesPerEpoch, 3)
        let o0 = b.order(epoch: 0), o1 = b.order(epoch: 1)
        XCTAssertEqual(o0.sorted(), Array(0..<10))
        XCTAssertEqual(o1.sorted(), Array(0..<10))
        XCTAssertNotEqual(o0, o1, "each epoch has its own order")
        XCTAssertNotEqual(o0, Array(0..<10))
        XCTAssertEqual(Batcher(examples: examples, batchSize: 4, seed: 42, padID: 0).order(epoch: 1), o1, "same seed, same order")
        XCTAssertNotEqual(Batcher(examples: examples, batchSize: 4, seed: 43, padID: 0).order(epoch: 0), o0)
        XCTAssertEqual(Batcher(examples: examples, batchSize: 4, seed: 42, shuffle: false, padID: 0).order(epoch: 3), Array(0..<10))
        // the batch at a position is the slice of that epoch's order; the last batch is short
        XCTAssertEqual(b.batch(at: DataPosition(epoch: 1, batch: 1)).tokens.enumerated().filter { $0.offset % 3 == 0 }.map { Int($0.element) },
                       Array(o1[4..<8]))
        XCTAssertEqual(b.batch(at: DataPosition(epoch: 0, batch: 2)).batchSize, 2)

        // collation: pad to the longest, labels shifted by one, -100 outside the loss and on padding
        let c = Batcher.collate([TokenizedExample(tokens: [5, 6, 7], inLoss: [false, true, true], origin: "a"),
                                 TokenizedExample(tokens: [8, 9], inLoss: [false, true], origin: "b")], padID: 1)
        XCTAssertEqual(c.tokens, [5, 6, 7, 8, 9, 1])
        XCTAssertEqual(c.targets, [6, 7, -100, 9, -100, -100])
        XCTAssertEqual(c.lossTokens, 3)
        XCTAssertEqual(c.realTokens, 5)
    }
}
