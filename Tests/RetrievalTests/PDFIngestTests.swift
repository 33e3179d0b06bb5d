// PDFIngestTests.swift: PDF ingestion through poppler's pdftotext (when installed; scripts/test.sh
// installs poppler-utils). The fixture (scripts/make_pdf_fixture.py) is a two-page PDF whose text
// is known; a file that is not a PDF fails with an error naming it.
import Foundation
import XCTest
@testable import Retrieval

final class PDFIngestTests: XCTestCase {
    func requirePdftotext() throws {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        guard dirs.contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/pdftotext") }) else {
            throw XCTSkip("pdftotext is not installed (apt-get install poppler-utils)")
        }
    }

    func testTwoPagePDFGivesItsText() throws {
        try requirePdftotext()
        let path = TestPaths.fixtures.appendingPathComponent("two-pages.pdf").path
        let docs = try DocumentLoader().load(path: path, data: try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(docs.count, 1)
        XCTAssertEqual(docs.first?.source, path)
        let words = docs.first?.text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        XCTAssertEqual(words, "Quinces are pomes that ripen late in autumn. Hesperidia such as lemons have a leathery rind.")
    }

    func testNotAPDFNamesTheFile() throws {
        try requirePdftotext()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID()).pdf").path
        try Data("not a pdf".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertThrowsError(try DocumentLoader().load(path: path, data: Data("not a pdf".utf8))) {
            XCTAssertTrue("\($0)".hasPrefix("\(path): pdftotext failed"), "\($0)")
        }
    }
}
