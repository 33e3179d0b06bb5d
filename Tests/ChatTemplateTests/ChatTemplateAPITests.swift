// ChatTemplateAPITests.swift: the public API (ChatMessage, JSON input with key order, error kinds
// and line numbers) on small templates whose expected output was checked with Python jinja2.
import Foundation
import Tokenizers
import XCTest

final class ChatTemplateAPITests: XCTestCase {
    func testSmolLM2WithChatMessages() throws {
        let source = try String(contentsOf: Fixtures.dir.appendingPathComponent("smollm2.jinja"), encoding: .utf8)
        let t = try ChatTemplate(source: source)
        let out = try t.render(messages: [ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: true)
        XCTAssertEqual(out, "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
    }

    func testJSONKeepsKeyOrder() throws {
        let v = try JinjaValue(json: #"{"z": 1, "a": [true, null, 1.5, "é\u00e9\ud83d\ude00"], "m": {}}"#)
        XCTAssertEqual(v.dictValue?.keys, ["z", "a", "m"])
        let t = try ChatTemplate(source: "{{ v|tojson }}|{{ v.a }}")
        XCTAssertEqual(try t.render(context: ["v": v]), #"{"z": 1, "a": [true, null, 1.5, "éé😀"], "m": {}}|[True, None, 1.5, 'éé😀']"#)
    }

    func testIteratingNoneFails() throws {
        let t = try ChatTemplate(source: "{% for x in tools %}{{ x }}{% endfor %}")
        XCTAssertThrowsError(try t.render(messages: [], tools: nil))
    }

    func testUnsupportedFilterNamesLine() {
        XCTAssertThrowsError(try ChatTemplate(source: "a\n{% if x %}\n{{ x|xmlattr }}\n{% endif %}")) { e in
            let err = e as! ChatTemplateError
            XCTAssertEqual(err.kind, .unsupported)
            XCTAssertEqual(err.description, "template line 3: unsupported filter 'xmlattr'")
        }
        XCTAssertThrowsError(try ChatTemplate(source: "{% include 'x.jinja' %}")) { e in
            XCTAssertEqual((e as! ChatTemplateError).description, "template line 1: unsupported tag 'include'")
        }
    }

    func testSyntaxErrorNamesLine() {
        XCTAssertThrowsError(try ChatTemplate(source: "line1\nline2 {{ 1 + }}")) { e in
            let err = e as! ChatTemplateError
            XCTAssertEqual(err.kind, .syntax)
            XCTAssertEqual(err.line, 2)
        }
    }

    func testRaiseExceptionCarriesMessage() throws {
        let t = try ChatTemplate(source: "{% if messages|length == 0 %}\n{{ raise_exception('No messages!') }}{% endif %}")
        XCTAssertThrowsError(try t.render(messages: [ChatMessage]())) { e in
            let err = e as! ChatTemplateError
            XCTAssertEqual(err.kind, .raised)
            XCTAssertEqual(err.message, "No messages!")
            XCTAssertEqual(err.line, 2)
        }
    }

    func testUndefinedAttributeFails() throws {
        let t = try ChatTemplate(source: "{{ messages[0].content }}")
        XCTAssertThrowsError(try t.render(messages: [ChatMessage]())) { e in
            XCTAssertEqual((e as! ChatTemplateError).kind, .undefined)
        }
    }

    func testStrftimeNowUsesInjectedClock() throws {
        let t = try ChatTemplate(source: "{{ strftime_now('%d %b %Y') }}")
        XCTAssertEqual(try t.render(context: [:], now: Fixtures.now, timeZone: Fixtures.utc), "26 Jul 2024")
    }

    func testExtraVariablesAndTokens() throws {
        let t = try ChatTemplate(source: "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}{% if enable_thinking %}T{% endif %}{{ tools is none }}")
        let out = try t.render(messages: [ChatMessage(role: "user", content: "x")], bosToken: "<s>", eosToken: "</s>",
                               extra: ["enable_thinking": true])
        XCTAssertEqual(out, "<s>x</s>TTrue")
    }

    func testReasoningFieldsAliased() throws {
        let t = try ChatTemplate(source: "{{ messages[0]|tojson }}")
        let m = try JinjaValue(json: #"[{"role": "assistant", "content": "a", "reasoning": "r"}]"#)
        XCTAssertEqual(try t.render(messages: m),
                       #"{"thinking": "r", "role": "assistant", "content": "a", "reasoning": "r", "reasoning_content": "r"}"#)
    }
}
