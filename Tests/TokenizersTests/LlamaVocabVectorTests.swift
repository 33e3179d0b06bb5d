// LlamaVocabVectorTests.swift: every vocab file in ../shared/testdata/llama-vocab against its
// llama.cpp test-tokenizer-0 vectors (add_special = false, parse_special = false), plus
// decode(encode(x)) == x and streaming decode for the BPE and SentencePiece vocabs.
import Foundation
import XCTest
import Formats
import Loading
@testable import Tokenizers

final class LlamaVocabVectorTests: XCTestCase {
    func testAllVocabFilesMatchLlamaCpp() throws {
        let files = try VocabVectors.files()
        XCTAssertFalse(files.isEmpty, "no vocab files under \(TestAssets.sharedTestdata.appendingPathComponent("llama-vocab").path)")
        var summary: [String] = []
        for f in files {
            let tok = try GGUFFile(path: f.path).makeTokenizer()
            let vectors = try VocabVectors.read(f)
            var passed = 0
            for v in vectors {
                let got = tok.encode(v.input, addSpecial: false, parseSpecial: false)
                if got == v.expected {
                    passed += 1
                } else {
                    XCTFail("\(f.lastPathComponent): \(v.input.debugDescription)\n  expected \(v.expected)\n  got      \(got)")
                }
            }
            summary.append("\(f.lastPathComponent): \(passed)/\(vectors.count)")
        }
        print("vocab vectors:\n  " + summary.joined(separator: "\n  "))
    }

    /// decode(encode(x)) == x for byte-level BPE and SentencePiece (byte fallback) vocabs, and the
    /// streaming decoder gives the same text in whole characters.
    func testRoundTripAndStreaming() throws {
        let extra = ["🦙👩‍👩‍👧 emoji", "中文字符和日本語", "é ü ß — “x” …", "tabs\tand\nlines"]
        for f in try VocabVectors.files() {
            let tok = try GGUFFile(path: f.path).makeTokenizer()
            guard tok.kind != .wordPiece else { continue }  // WordPiece lowercases and drops spaces
            for input in try VocabVectors.read(f).map(\.input) + extra {
                let ids = tok.encode(input, addSpecial: false, parseSpecial: false)
                XCTAssertEqual(tok.decode(ids), input, "\(f.lastPathComponent) round trip of \(input.debugDescription)")
                var d = tok.makeStreamingDecoder()
                var streamed = ""
                for id in ids {
                    let piece = d.append(id)
                    XCTAssertFalse(piece.unicodeScalars.contains("\u{FFFD}"), "\(f.lastPathComponent): split character")
                    streamed += piece
                }
                streamed += d.finish()
                XCTAssertEqual(streamed, input, "\(f.lastPathComponent) streaming \(input.debugDescription)")
            }
        }
    }
}
