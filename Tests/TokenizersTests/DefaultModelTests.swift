// DefaultModelTests.swift: the default model's tokenizer (SmolLM2-135M-Instruct, byte-level BPE
// with the "smollm" pre-tokenizer): known ids from llama.cpp, special-token parsing, the
// end-of-generation set, streaming decode of emoji/CJK. Skipped when the model file is absent.
import Foundation
import XCTest
import Formats
import Loading
@testable import Tokenizers

final class DefaultModelTests: XCTestCase {
    static let shared: Tokenizer? = TestAssets.defaultModel.flatMap { try? Tokenizer.load(ggufPath: $0) }

    func tokenizer() throws -> Tokenizer {
        guard let path = TestAssets.defaultModel else { throw XCTSkip("default model not found (set TAILOR_TEST_MODEL)") }
        guard let t = Self.shared else { return try Tokenizer.load(ggufPath: path) }
        return t
    }

    func testKnownIDs() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.kind, .bytePairEncoding)
        XCTAssertEqual(t.preTokenizerName, "smollm")
        XCTAssertEqual(t.vocabularySize, 49152)
        XCTAssertEqual(t.encode("The capital of France is"), [504, 3575, 282, 4649, 314])
        let chat = "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n"
        XCTAssertEqual(t.encode(chat, addSpecial: true, parseSpecial: true),
                       [1, 4093, 198, 1780, 314, 216, 34, 27, 34, 47, 2, 198, 1, 520, 9531, 198])
    }

    func testSpecialTokenParsing() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.encode("<|im_start|>", parseSpecial: true), [1])
        let plain = t.encode("<|im_start|>", parseSpecial: false)
        XCTAssertGreaterThan(plain.count, 1)
        XCTAssertFalse(plain.contains(1))
        XCTAssertEqual(t.decode(plain), "<|im_start|>")
        XCTAssertEqual(t.decode([1, 4093, 198]), "<|im_start|>user\n")
        XCTAssertEqual(t.decode([1, 4093, 198], renderSpecial: false), "user\n")
        XCTAssertEqual(t.tokenID(for: "<|im_end|>"), 2)
        XCTAssertEqual(t.tokenPiece(2), Array("<|im_end|>".utf8))
        XCTAssertEqual(t.tokenPiece(2, renderSpecial: false), [])
    }

    func testSpecialIDsAndFlags() throws {
        let t = try tokenizer()
        XCTAssertEqual(t.bosID, 1)
        XCTAssertEqual(t.eosID, 2)
        XCTAssertEqual(t.paddingID, 2)
        XCTAssertEqual(t.unknownID, 0)
        XCTAssertFalse(t.addBOS)
        XCTAssertFalse(t.addEOS)
        XCTAssertEqual(t.newlineID, 198)
        XCTAssertTrue(t.isEndOfGeneration(2))     // <|im_end|>
        XCTAssertTrue(t.isEndOfGeneration(0))     // <|endoftext|>
        XCTAssertFalse(t.isEndOfGeneration(1))    // <|im_start|>
        XCTAssertFalse(t.isEndOfGeneration(504))
        XCTAssertEqual(t.eotID, 2)
        XCTAssertTrue(t.warnings.isEmpty, "\(t.warnings)")
    }

    func testRoundTripTrickyText() throws {
        let t = try tokenizer()
        let texts = ["", " ", "  leading", "trailing  ", "tabs\tand\nnewlines\r\n\n", "don't I'll we've 'S",
                     "3.14159 1234567 ١٢٣", "emoji 🦙👩‍👩‍👧 flags 🇫🇷", "中文混合English日本語テキスト한국어",
                     "Ünïcödé çàfé — “quotes” …", "<|im_start|> literal <|im_end|>", "a\u{0301}e\u{0301}", "x\u{0000}y"]
        for s in texts {
            let ids = t.encode(s, addSpecial: false, parseSpecial: false)
            XCTAssertEqual(t.decode(ids), s, "round trip of \(s.debugDescription)")
        }
    }

    func testStreamingDecoderNeverSplitsCharacters() throws {
        let t = try tokenizer()
        let text = "Hi 🦙 and 👩‍👩‍👧, 中文字符 and ünïcödé! 😀"
        let ids = t.encode(text, addSpecial: false)
        var d = t.makeStreamingDecoder()
        var pieces: [String] = []
        for id in ids {
            let s = d.append(id)
            XCTAssertFalse(s.unicodeScalars.contains("\u{FFFD}"), "split character in \(s.debugDescription)")
            pieces.append(s)
        }
        pieces.append(d.finish())
        XCTAssertEqual(pieces.joined(), text)
        XCTAssertTrue(ids.count > pieces.filter { !$0.isEmpty }.count, "some tokens should have been held back")
    }

    func testEncodingSpeed() throws {
        let path = try XCTUnwrap(TestAssets.defaultModel)
        func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e6 }
        let t0 = now()
        let file = try GGUFFile(path: path)
        let t1 = now()
        let meta = try TokenizerMetadata(gguf: file)
        let t2 = now()
        let t = try Tokenizer(metadata: meta)
        let t3 = now()
        print(String(format: "load tokenizer: GGUF %.1f ms + metadata %.1f ms + build %.1f ms", t1 - t0, t2 - t1, t3 - t2))
        let unit = "The quick brown fox, 2024 edition: naïve café — 東京 🦙 jumps over 13 lazy dogs!\n"
        let text = String(repeating: unit, count: 10_240 / unit.utf8.count + 1)
        _ = t.encode(text)
        let start = DispatchTime.now().uptimeNanoseconds
        let ids = t.encode(text)
        let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        print("encode \(text.utf8.count) bytes -> \(ids.count) tokens in \(String(format: "%.1f", ms)) ms")
        XCTAssertEqual(t.decode(ids), text)
        if !_isDebugAssertConfiguration() { XCTAssertLessThan(ms, 100) }

        // The heaviest generic-regex pre-tokenizer (gpt-4o: lookaheads in loops) on the same text.
        var m = try TokenizerMetadata(gguf: GGUFFile(path: path))
        m.pre = "gpt-4o"
        let g = try Tokenizer(metadata: m)
        let s2 = DispatchTime.now().uptimeNanoseconds
        let ids2 = g.encode(text)
        let ms2 = Double(DispatchTime.now().uptimeNanoseconds - s2) / 1e6
        print("encode (gpt-4o pre) \(text.utf8.count) bytes -> \(ids2.count) tokens in \(String(format: "%.1f", ms2)) ms")
        XCTAssertEqual(g.decode(ids2), text)
        if !_isDebugAssertConfiguration() { XCTAssertLessThan(ms2, 100) }
    }
}
