// MiniLMParityTests.swift: the WordPiece tokenizer and BERT encoder against Hugging Face
// `tokenizers` and sentence-transformers (fixtures from scripts/make_minilm_fixtures.py).
import Foundation
import Retrieval
import Tokenizers
import XCTest

final class MiniLMParityTests: XCTestCase {
    func testTokenIDsMatchHuggingFace() throws {
        let fx = try MiniLMFixture.load()
        let tok = try BertWordPieceTokenizer(path: try TestAssets.minilmFolder().appendingPathComponent("tokenizer.json").path)
        for limit in [256, 512] {
            let want = try XCTUnwrap(fx.tokens[String(limit)])
            for (i, text) in fx.texts.enumerated() {
                XCTAssertEqual(tok.encode(text, maxLength: limit), want[i], "text \(i) at \(limit): \(text.prefix(60))")
            }
        }
        // The long text really was cut at the limit.
        XCTAssertEqual(fx.tokens["256"]!.last!.count, 256)
        XCTAssertEqual(fx.tokens["512"]!.last!.count, 512)
    }

    func testEmbeddingsMatchSentenceTransformers() throws {
        let fx = try MiniLMFixture.load()
        let e = try TestPaths.embedder()
        e.batchSize = 7  // several batches of mixed lengths
        XCTAssertEqual(e.maxSequenceLength, 256)
        XCTAssertTrue(e.normalizes)
        let got = try e.embed(fx.texts)
        var worst: Float = 1
        for (i, (g, w)) in zip(got, fx.embeddings).enumerated() {
            let c = Vectors.cosine(g, w)
            worst = min(worst, c)
            XCTAssertGreaterThanOrEqual(c, 0.9999, "text \(i): cosine \(c)")
            XCTAssertEqual(Vectors.dot(g, g), 1, accuracy: 1e-4)
        }
        print("minilm parity: worst cosine \(String(format: "%.7f", worst)) over \(got.count) texts")
        // Batching does not change a text's vector.
        let single = try e.embed([fx.texts[2]])[0]
        XCTAssertGreaterThan(Vectors.cosine(single, got[2]), 0.99999)
    }

    func testSimilarTextsAreCloser() throws {
        let e = try TestPaths.embedder()
        let v = try e.embed(["A cat sits on the mat.", "A kitten is sitting on a rug.", "Quarterly tax filing deadlines."])
        XCTAssertGreaterThan(Vectors.dot(v[0], v[1]), Vectors.dot(v[0], v[2]) + 0.3)
    }

    func testBadTokenizerFileNamesField() throws {
        let data = Data(#"{"model": {"type": "BPE", "vocab": {}}}"#.utf8)
        XCTAssertThrowsError(try BertWordPieceTokenizer(json: data, origin: "x/tokenizer.json")) { err in
            XCTAssertTrue("\(err)".contains("x/tokenizer.json"), "\(err)")
            XCTAssertTrue("\(err)".contains("model.type"), "\(err)")
        }
    }
}
