// FixtureSupport.swift: locating and loading the chat-template fixtures made by
// scripts/make_chat_template_fixtures.py (Python jinja2 configured as transformers does).
import Foundation
import Tokenizers
import XCTest
@_exported import TestSupport

enum Fixtures {
    static let dir = TestAssets.fixtures.appendingPathComponent("chat-templates")

    static func json(_ relative: String) throws -> JinjaValue {
        try JinjaValue(jsonData: Data(contentsOf: dir.appendingPathComponent(relative)))
    }

    /// The date the fixtures used for `strftime_now`: 2024-07-26 12:00:00 (rendered in UTC).
    static let now = Date(timeIntervalSince1970: 1_721_995_200)
    static let utc = TimeZone(identifier: "UTC")!
}

/// Fails with the first differing position, so long renderings stay readable.
func assertSameText(_ got: String, _ want: String, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
    if got == want { return }
    let g = Array(got.unicodeScalars), w = Array(want.unicodeScalars)
    var i = 0
    while i < g.count, i < w.count, g[i] == w[i] { i += 1 }
    func around(_ a: [Unicode.Scalar]) -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: a[max(0, i - 40)..<min(a.count, i + 60)])
        return String(s).debugDescription
    }
    XCTFail("\(label): differs at scalar \(i) (got \(g.count), want \(w.count))\n got: \(around(g))\nwant: \(around(w))",
            file: file, line: line)
}
