// IngestTests.swift: loaders (html, json/jsonl, bad input) and the three chunkers' offsets,
// sizes, overlap and heading paths.
import Foundation
import Retrieval
import XCTest

final class IngestTests: XCTestCase {
    let md = """
    # Guide
    Intro line one. Intro line two.

    ## Install
    Run the installer. Then restart the machine and check the logs for errors.

    ```
    # not a heading
    ```

    ## Use
    ### Advanced
    Deep details here.
    """

    func testHTMLKeepsHeadingsAndDropsScripts() throws {
        let html = "<html><head><title>T</title><style>p{}</style></head><body><h1>Main &amp; more</h1><script>var x = 1;</script>"
            + "<p>First <b>para</b>.</p><!-- hidden --><h2>Sub</h2><p>Second&nbsp;para &#233;</p></body></html>"
        let docs = try DocumentLoader().load(path: "a.html", data: Data(html.utf8))
        XCTAssertEqual(docs[0].text, "# Main & more\n\nFirst para.\n\n## Sub\n\nSecond para é")
        let chunks = Chunker(strategy: .markdown(size: 50)).chunk(docs[0])
        XCTAssertEqual(chunks.map(\.headingPath), [["Main & more"], ["Main & more", "Sub"]])
    }

    func testJSONLFieldAndErrorsNameLine() throws {
        let l = DocumentLoader(jsonField: "body")
        let docs = try l.load(path: "d.jsonl", data: Data("{\"body\": \"one\"}\n\n{\"body\": \"two\"}\n".utf8))
        XCTAssertEqual(docs.map(\.source), ["d.jsonl#1", "d.jsonl#3"])
        XCTAssertThrowsError(try l.load(path: "d.jsonl", data: Data("{\"body\": 1}\n".utf8))) {
            XCTAssertEqual("\($0)", "d.jsonl:1: field 'body' is not a string")
        }
        XCTAssertThrowsError(try l.load(path: "d.jsonl", data: Data("{\"body\": \"x\"}\n{oops\n".utf8))) {
            XCTAssertEqual("\($0)", "d.jsonl:2: not a JSON object")
        }
        XCTAssertThrowsError(try l.load(path: "x.docx", data: Data())) { XCTAssertTrue("\($0)".contains("unsupported file type")) }
    }

    func testChunkOffsetsAndHeadingPaths() {
        let doc = SourceDocument(source: "g.md", text: md)
        let bytes = Array(md.utf8)
        for s in [ChunkStrategy.tokens(size: 8, overlap: 3), .recursive(size: 10, overlap: 0), .markdown(size: 12)] {
            let chunks = Chunker(strategy: s).chunk(doc)
            XCTAssertFalse(chunks.isEmpty)
            for c in chunks {
                XCTAssertEqual(String(decoding: bytes[c.start..<c.end], as: UTF8.self), c.text, "\(s)")
                XCTAssertEqual(c.source, "g.md")
            }
            XCTAssertEqual(chunks.map(\.ordinal), Array(chunks.indices))
        }
        let sections = Chunker(strategy: .markdown(size: 200)).chunk(doc)
        XCTAssertEqual(sections.map(\.headingPath), [["Guide"], ["Guide", "Install"], ["Guide", "Use"], ["Guide", "Use", "Advanced"]])
        XCTAssertTrue(sections[1].text.contains("# not a heading"))
    }

    func testFixedTokenWindowsOverlap() {
        let text = (1...30).map { "w\($0)" }.joined(separator: " ")
        let chunks = Chunker(strategy: .tokens(size: 10, overlap: 4)).chunk(SourceDocument(source: "t", text: text))
        let words = chunks.map { $0.text.split(separator: " ").map(String.init) }
        XCTAssertEqual(words[0], (1...10).map { "w\($0)" })
        XCTAssertEqual(words[1].first, "w7")          // 4 words of overlap
        XCTAssertTrue(words.allSatisfy { $0.count <= 10 })
        XCTAssertEqual(words.last?.last, "w30")
    }

    func testRecursiveRespectsBudget() {
        let para = "Sentence one is here. Sentence two is here. Sentence three is here."
        let text = [para, para, para].joined(separator: "\n\n")
        let chunks = Chunker(strategy: .recursive(size: 9, overlap: 0)).chunk(SourceDocument(source: "r", text: text))
        XCTAssertTrue(chunks.allSatisfy { $0.text.split(separator: " ").count <= 9 }, "\(chunks.map(\.text))")
        XCTAssertEqual(chunks.first?.text, "Sentence one is here. Sentence two is here.")
    }

    func testPDFWithoutPdftotextSaysHowToInstall() throws {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        if dirs.contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/pdftotext") }) {
            throw XCTSkip("pdftotext is installed")
        }
        XCTAssertThrowsError(try DocumentLoader().load(path: "/tmp/x.pdf", data: Data())) {
            XCTAssertEqual("\($0)", "/tmp/x.pdf: PDF needs pdftotext, which is not installed (Debian/Ubuntu: apt-get install poppler-utils)")
        }
    }

    func testChunkSpecParsing() throws {
        XCTAssertEqual(try ChunkStrategy(parsing: "tokens:128:16"), .tokens(size: 128, overlap: 16))
        XCTAssertEqual(try ChunkStrategy(parsing: "markdown"), .markdown(size: 200))
        XCTAssertThrowsError(try ChunkStrategy(parsing: "tokens:10:20"))
        XCTAssertThrowsError(try ChunkStrategy(parsing: "pages:3"))
    }
}
