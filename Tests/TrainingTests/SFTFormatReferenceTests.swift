// SFTFormatReferenceTests.swift: SFTFormatter on the default model (SmolLM2 tokenizer and chat
// template from its GGUF) against transformers (Tests/Fixtures/training/sft_smollm2.json, made by
// scripts/make_sft_fixture.py): the tokens and loss mask of the TRL layouts — text,
// prompt/completion (prompt masked), messages and conversational prompt/completion (assistant
// turns only, <|im_end|> inside the loss, as apply_chat_template's return_assistant_tokens_mask)
// — and the same records under a field mapping. Skipped when the default model is not pulled.
import Evaluation
import Formats
import Foundation
import Loading
import Tokenizers
import XCTest
@testable import Training
import TestSupport

final class SFTFormatReferenceTests: XCTestCase {
    struct Case: Decodable { var record: [String: JSONValue]; var tokens: [Int32]; var in_loss: [Bool] }
    struct Doc: Decodable { var eos: Int32; var cases: [Case] }

    static let fixture = TestAssets.fixtures.appendingPathComponent("training/sft_smollm2.json")

    func formatter() throws -> SFTFormatter {
        let file = try GGUFFile(path: try TestAssets.defaultModelPath())
        let template = try XCTUnwrap(file.string("tokenizer.chat_template"))
        return SFTFormatter(tokenizer: try file.makeTokenizer(), chatTemplate: try ChatTemplate(source: template))
    }

    func doc() throws -> Doc { try JSONDecoder().decode(Doc.self, from: Data(contentsOf: Self.fixture)) }

    func testEveryLayoutMatchesTransformers() throws {
        let fmt = try formatter()
        let d = try doc()
        XCTAssertEqual(fmt.tokenizer.eosID, d.eos)
        XCTAssertEqual(d.cases.count, 7)
        for c in d.cases {
            let (t, m) = try fmt.format(c.record)
            XCTAssertEqual(t, c.tokens, "\(c.record.keys.sorted())")
            XCTAssertEqual(m, c.in_loss, "\(c.record.keys.sorted()): \(t)")
        }
        // messages: the loss covers exactly the assistant turns and each ends with <|im_end|> + "\n"
        let chat = d.cases[5]
        let (t, m) = try fmt.format(chat.record)
        let ends = t.indices.filter { m[$0] && t[$0] == d.eos }
        XCTAssertEqual(ends.count, 2, "both assistant turns end inside the loss")
        XCTAssertFalse(m[t.firstIndex(of: d.eos)!], "the system turn's <|im_end|> is not in the loss")
    }

    func testFieldMappingReadsOtherSchemas() throws {
        var fmt = try formatter()
        fmt.fields = try FieldMapping(parsing: "prompt=question, completion=answer,messages=conversation")
        let d = try doc()
        func renamed(_ r: [String: JSONValue]) -> [String: JSONValue] {
            var out: [String: JSONValue] = [:]
            for (k, v) in r { out[["prompt": "question", "completion": "answer", "messages": "conversation"][k] ?? k] = v }
            return out
        }
        for i in [2, 3, 4, 5, 6] {
            let (t, m) = try fmt.format(renamed(d.cases[i].record))
            XCTAssertEqual(t, d.cases[i].tokens, "case \(i)")
            XCTAssertEqual(m, d.cases[i].in_loss, "case \(i)")
        }
        XCTAssertThrowsError(try FieldMapping(parsing: "answer=completion")) { XCTAssertTrue("\($0)".contains("unknown field 'answer'")) }
        XCTAssertThrowsError(try FieldMapping(parsing: "prompt")) { XCTAssertTrue("\($0)".contains("not NAME=FIELD")) }
    }
}
