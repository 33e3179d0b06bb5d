// TokenizerMetadataTests.swift: tokenizers built from hand-written metadata (no files): errors
// naming the bad key, the unknown-pre fallback, and tiny SPM / WPM / BPE vocabularies that
// exercise byte fallback, unknown words, BOS/EOS/SEP handling and space-prefix decoding.
import XCTest
@testable import Tokenizers

final class TokenizerMetadataTests: XCTestCase {
    func assertError(_ m: TokenizerMetadata, _ expected: TokenizerError, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Tokenizer(metadata: m), file: file, line: line) { e in
            XCTAssertEqual(e as? TokenizerError, expected, file: file, line: line)
            XCTAssertFalse("\(e)".contains("\n"), "one-line message", file: file, line: line)
        }
    }

    func testErrorsNameTheKey() {
        assertError(TokenizerMetadata(model: "gpt2", tokens: ["a", "b"]), .missingKey("tokenizer.ggml.merges"))
        assertError(TokenizerMetadata(model: "wordlevel", tokens: ["a"]), .unsupported(key: "tokenizer.ggml.model", value: "wordlevel"))
        assertError(TokenizerMetadata(model: "t5", tokens: ["a"]), .unsupported(key: "tokenizer.ggml.model", value: "t5"))
        assertError(TokenizerMetadata(model: "", tokens: ["a"]), .missingKey("tokenizer.ggml.model"))
        assertError(TokenizerMetadata(model: "llama", tokens: []),
                    .invalidValue(key: "tokenizer.ggml.tokens", message: "empty token list"))
        assertError(TokenizerMetadata(model: "llama", tokens: ["a", "b"], scores: [0]),
                    .invalidValue(key: "tokenizer.ggml.scores", message: "1 scores for 2 tokens"))
        assertError(TokenizerMetadata(model: "llama", tokens: ["a", "b"], tokenTypes: [1, 1, 1]),
                    .invalidValue(key: "tokenizer.ggml.token_type", message: "3 types for 2 tokens"))
        XCTAssertTrue("\(TokenizerError.missingKey("tokenizer.ggml.merges"))".contains("tokenizer.ggml.merges"))
        // Out-of-range special ids are reported and ignored, never used.
        var m = TokenizerMetadata(model: "llama", tokens: ["<unk>", "a"])
        m.eosID = 99
        let t = try? Tokenizer(metadata: m)
        XCTAssertEqual(t?.bosID, 1)
        XCTAssertNil(t?.eosID)
        XCTAssertEqual(t?.encode("a").contains { $0 >= 2 }, false)
        XCTAssertEqual(t?.warnings.count, 2)
    }

    /// A byte-level vocab: all 256 byte symbols plus "he", "ll", "hell", "hello", "Ġw"...
    func tinyBPE(pre: String?) throws -> Tokenizer {
        var tokens = (0..<256).map { String(UnicodeScalar(UnicodeTables.byteToScalar[$0])!) }
        let merges = ["h e", "l l", "he ll", "hell o", "Ġ w", "o r", "Ġw or", "Ġwor l", "Ġworl d"]
        tokens += ["he", "ll", "hell", "hello", "Ġw", "or", "Ġwor", "Ġworl", "Ġworld", "<|endoftext|>"]
        var types = [Int32](repeating: 1, count: tokens.count)
        types[types.count - 1] = 3
        var m = TokenizerMetadata(model: "gpt2", pre: pre, tokens: tokens, tokenTypes: types, merges: merges)
        m.bosID = tokens.count - 1
        m.eosID = tokens.count - 1
        m.addBOS = true
        return try Tokenizer(metadata: m)
    }

    func testUnknownPreFallsBackToDefaultWithWarning() throws {
        let t = try tinyBPE(pre: "no-such-pre")
        XCTAssertEqual(t.preTokenizerName, "default")
        XCTAssertEqual(t.warnings.count, 1)
        XCTAssertTrue(t.warnings[0].contains("tokenizer.ggml.pre"))
        let ids = t.encode("hello world", addSpecial: false)
        XCTAssertEqual(ids.map { t.tokenText($0)! }, ["hello", "Ġworld"])
        XCTAssertEqual(t.encode("hello", addSpecial: true), [t.bosID!, t.tokenID(for: "hello")!])
        XCTAssertEqual(t.decode(t.encode("hello world! 🦙")), "<|endoftext|>hello world! 🦙")
        XCTAssertEqual(t.endOfGenerationIDs, [t.tokenID(for: "<|endoftext|>")!])
        XCTAssertTrue(try tinyBPE(pre: "gpt-2").warnings.isEmpty)
        let noPre = try tinyBPE(pre: nil)
        XCTAssertEqual(noPre.preTokenizerName, "default")
        XCTAssertEqual(noPre.warnings.count, 1)
    }

    func testTinySentencePiece() throws {
        // <unk> <s> </s>, byte tokens for 0x0A and 0xF0-0x9F..., then pieces with scores.
        var tokens = ["<unk>", "<s>", "</s>"]
        var types: [Int32] = [2, 3, 3]
        var scores: [Float] = [0, 0, 0]
        for b in 0..<256 { tokens.append(String(format: "<0x%02X>", b)); types.append(6); scores.append(0) }
        for (p, s) in [("▁", -1.0), ("▁h", -2.0), ("el", -2.5), ("▁hel", -3.0), ("lo", -3.5), ("▁hello", -1.5),
                       ("h", -5), ("e", -5), ("l", -5), ("o", -5), ("w", -5), ("▁w", -4)] as [(String, Float)] {
            tokens.append(p); types.append(1); scores.append(s)
        }
        let m = TokenizerMetadata(model: "llama", tokens: tokens, scores: scores, tokenTypes: types)
        let t = try Tokenizer(metadata: m)
        XCTAssertEqual(t.kind, .sentencePiece)
        XCTAssertTrue(t.addBOS && t.addSpacePrefix)
        let ids = t.encode("hello w\n", addSpecial: true)
        XCTAssertEqual(ids.map { t.tokenText($0)! }, ["<s>", "▁hello", "▁w", "<0x0A>"])
        XCTAssertEqual(t.decode(Array(ids.dropFirst())), "hello w\n")
        XCTAssertEqual(t.newlineID, t.tokenID(for: "<0x0A>"))
        // Characters with no piece fall back to their UTF-8 bytes.
        let z = t.encode("é", addSpecial: false)
        XCTAssertEqual(z.map { t.tokenText($0)! }, ["▁", "<0xC3>", "<0xA9>"])
        XCTAssertEqual(t.decode(z), "é")
        var d = t.makeStreamingDecoder()
        XCTAssertEqual(d.append(z[0]), "")      // leading space dropped
        XCTAssertEqual(d.append(z[1]), "")      // half a character held back
        XCTAssertEqual(d.append(z[2]), "é")
        XCTAssertEqual(d.finish(), "")
    }

    func testTinyWordPiece() throws {
        let tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "▁hello", "▁wor", "ld", "▁!", "▁,", "▁cafe"]
        let types: [Int32] = [3, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1]
        var m = TokenizerMetadata(model: "bert", tokens: tokens, tokenTypes: types)
        m.bosID = 2; m.separatorID = 3; m.unknownID = 1; m.paddingID = 0; m.maskID = 4
        let t = try Tokenizer(metadata: m)
        XCTAssertEqual(t.kind, .wordPiece)
        XCTAssertEqual(t.encode("Hello, World! Café xyz"), [2, 5, 9, 6, 7, 8, 10, 1, 3])
        XCTAssertEqual(t.encode("[MASK] hello", addSpecial: false, parseSpecial: true), [4, 5])
        XCTAssertEqual(t.decode([5, 6, 7]), " hello world")
    }
}
