// InterpreterCaseTests.swift: small templates (filters, loop variables, whitespace control,
// trim_blocks/lstrip_blocks edge cases, undefined semantics ...) whose expected output or error
// comes from Python jinja2 (Tests/Fixtures/chat-templates/interpreter-cases.json).
import Foundation
import Tokenizers
import XCTest

final class InterpreterCaseTests: XCTestCase {
    func testInterpreterCasesMatchJinja2() throws {
        let file = try Fixtures.json("interpreter-cases.json")
        let cases = try XCTUnwrap(file["cases"]?.listValue)
        XCTAssertGreaterThan(cases.count, 50)
        for c in cases {
            let name = try XCTUnwrap(c["name"]?.stringValue)
            let source = try XCTUnwrap(c["template"]?.stringValue)
            var context: [String: JinjaValue] = [:]
            for (k, v) in c["variables"]?.dictValue?.pairs ?? [] { context[k] = v }
            let result = Result { try ChatTemplate(source: source).render(context: context, now: Fixtures.now, timeZone: Fixtures.utc) }
            if let want = c["output"]?.stringValue {
                switch result {
                case .success(let got): assertSameText(got, want, name)
                case .failure(let e): XCTFail("\(name): threw \(e), jinja2 rendered \(want.debugDescription)")
                }
            } else {
                let jinjaError = c["error"]?.stringValue ?? ""
                switch result {
                case .success(let got): XCTFail("\(name): rendered \(got.debugDescription), jinja2 raised \(jinjaError)")
                case .failure(let e):
                    let err = try XCTUnwrap(e as? ChatTemplateError, name)
                    if c["raised"]?.boolValue == true {
                        XCTAssertEqual(err.kind, .raised, name)
                        XCTAssertEqual(err.message, jinjaError, name)
                    }
                    if c["error_type"]?.stringValue == "UndefinedError" {
                        XCTAssertEqual(err.kind, .undefined, name)
                        XCTAssertEqual(err.message, jinjaError, name)
                    }
                    if c["error_type"]?.stringValue == "TemplateSyntaxError" {
                        XCTAssertEqual(err.kind, .syntax, name)
                    }
                }
            }
        }
    }
}
