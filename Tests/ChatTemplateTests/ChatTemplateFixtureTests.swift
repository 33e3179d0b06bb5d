// ChatTemplateFixtureTests.swift: every (template, conversation, add_generation_prompt) rendering
// must match Python jinja2 byte for byte, or fail where jinja2 failed (with the same message for
// `raise_exception`). Templates: ../shared/testdata/chat-templates/ plus SmolLM2's.
import Foundation
import Tokenizers
import XCTest

final class ChatTemplateFixtureTests: XCTestCase {
    func testAllTemplatesMatchJinja2() throws {
        let summary = try Fixtures.json("conversations.json")
        let conversations = try XCTUnwrap(summary["conversations"])
        let templates = try XCTUnwrap(summary["templates"]?.dictValue)
        var checked = 0
        for (name, settings) in templates.pairs {
            let path = try XCTUnwrap(settings["path"]?.stringValue)
            let source = try String(contentsOf: TestAssets.root.appendingPathComponent(path), encoding: .utf8)
            let template: ChatTemplate
            do { template = try ChatTemplate(source: source) } catch {
                XCTFail("\(name): does not compile: \(error)")
                continue
            }
            let expected = try Fixtures.json("expected/\(name).json")
            for c in try XCTUnwrap(expected["cases"]?.listValue) {
                let convName = try XCTUnwrap(c["conversation"]?.stringValue)
                let agp = try XCTUnwrap(c["add_generation_prompt"]?.boolValue)
                let conv = try XCTUnwrap(conversations[convName])
                var extra: [String: JinjaValue] = [:]
                for (k, v) in settings["extra"]?.dictValue?.pairs ?? [] { extra[k] = v }
                for (k, v) in conv["extra"]?.dictValue?.pairs ?? [] { extra[k] = v }
                let label = "\(name) / \(convName) / add_generation_prompt=\(agp)"
                let result = Result {
                    try template.render(
                        messages: try XCTUnwrap(conv["messages"]), addGenerationPrompt: agp,
                        bosToken: settings["bos_token"]?.stringValue, eosToken: settings["eos_token"]?.stringValue,
                        tools: conv["tools"], documents: conv["documents"], extra: extra,
                        now: Fixtures.now, timeZone: Fixtures.utc)
                }
                checked += 1
                if let want = c["output"]?.stringValue {
                    switch result {
                    case .success(let got): assertSameText(got, want, label)
                    case .failure(let e): XCTFail("\(label): threw \(e), jinja2 rendered")
                    }
                } else {
                    let jinjaError = c["error"]?.stringValue ?? ""
                    switch result {
                    case .success: XCTFail("\(label): rendered, jinja2 raised \(jinjaError)")
                    case .failure(let e):
                        if c["raised"]?.boolValue == true {
                            let err = try XCTUnwrap(e as? ChatTemplateError)
                            XCTAssertEqual(err.kind, .raised, label)
                            XCTAssertEqual(err.message, jinjaError, label)
                        }
                    }
                }
            }
        }
        XCTAssertGreaterThan(checked, 250)
    }
}
