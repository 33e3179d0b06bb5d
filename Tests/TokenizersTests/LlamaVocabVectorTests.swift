// LlamaVocabVectorTests.swift: every vocab file in ../shared/testdata/llama-vocab against its
// llama.cpp test-tokenizer-0 vectors (add_special = false, parse_special = false), plus
// decode(encode(x)) == x for the byte-level BPE vocabs.
import Foundation
import XCTest
import Formats
import Loading
@testable import Tokenizers

final class LlamaVocabVectorTests: XCTestCase {
    func testAllVocabFilesMatchLlamaCpp() throws {
        let files = try VocabVectors.files()
        XCTAssertFalse(files.isEmpty, "no vocab files under \(TestPaths.llamaVocabDir.path)")
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

    func testBPERoundTrip() throws {
        for f in try VocabVectors.files() {
            let tok = try GGUFFile(path: f.path).makeTokenizer()
            guard tok.kind == .bytePairEncoding else { continue }
            for v in try VocabVectors.read(f) {
                let ids = tok.encode(v.input, addSpecial: false, parseSpecial: false)
                XCTAssertEqual(tok.decode(ids), v.input, "\(f.lastPathComponent) round trip of \(v.input.debugDescription)")
            }
        }
    }
}
