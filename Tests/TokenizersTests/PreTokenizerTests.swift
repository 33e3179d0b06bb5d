// PreTokenizerTests.swift: the regex engine against the hand-written GPT-2 / Llama-3 matchers
// (llama.cpp keeps both in agreement, so the generic path must agree too) on random tricky text,
// plus direct checks of regex features and of a few pre-tokenizer splits.
import Foundation
import XCTest
@testable import Tokenizers

final class PreTokenizerTests: XCTestCase {
    struct LCG {
        var s: UInt64
        mutating func next(_ n: Int) -> Int {
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Int((s >> 33) % UInt64(n))
        }
    }

    static let pool: [String] = ["a", "b", "Z", "é", "ß", "ж", "中", "日", "한", "ا", "1", "7", "٣", "½", " ", " ", " ",
        "\t", "\n", "\r", "\u{A0}", "\u{3000}", "\u{2028}", "'", "'s", "'T", "'ll", "'Re", "'ve", "'d", "'m", "!", ".", ",",
        "?", "$", "+", "<", "~", "|", "`", "^", "_", "-", "(", "…", "“", "🦙", "😀", "\u{301}", "\u{200B}", "\u{7F}", "\u{0}", "x"]

    func randomText(_ rng: inout LCG) -> String {
        var s = ""
        for _ in 0..<(1 + rng.next(24)) { s += Self.pool[rng.next(Self.pool.count)] }
        return s
    }

    func words(_ text: String, _ lengths: [Int]) -> [String] {
        let cps = Array(text.unicodeScalars)
        var out: [String] = [], i = 0
        for l in lengths { out.append(String(String.UnicodeScalarView(cps[i..<(i + l)]))); i += l }
        return out
    }

    func testRegexEngineAgreesWithCustomMatchers() throws {
        let gpt2 = try MiniRegex(PreTokenizerPatterns.gpt2)
        let llama3 = try MiniRegex(PreTokenizerPatterns.llama3)
        var rng = LCG(s: 42)
        for _ in 0..<3000 {
            let text = randomText(&rng)
            let cpts = text.unicodeScalars.map(\.value)
            let flags = cpts.map(codepointFlags)
            let collapsed = PreTokenizer.collapse(cpts, flags)
            XCTAssertEqual(words(text, gpt2.split(collapsed, offsets: [cpts.count])),
                           words(text, splitGPT2(cpts, flags, [cpts.count])), "gpt2 \(text.debugDescription)")
            XCTAssertEqual(words(text, llama3.split(collapsed, offsets: [cpts.count])),
                           words(text, splitLlama3(cpts, flags, [cpts.count])), "llama3 \(text.debugDescription)")
        }
    }

    func split(_ pattern: String, _ text: String) throws -> [String] {
        let r = try MiniRegex(pattern)
        let cpts = text.unicodeScalars.map(\.value)
        let input = r.usesCategories ? PreTokenizer.collapse(cpts, cpts.map(codepointFlags)) : cpts
        return words(text, r.split(input, offsets: [cpts.count]))
    }

    func testRegexFeatures() throws {
        XCTAssertEqual(try split("[0-9][0-9][0-9]", "12345"), ["123", "45"])
        XCTAssertEqual(try split(#"\p{N}{1,3}"#, "1234567"), ["123", "456", "7"])
        XCTAssertEqual(try split(#"\s+$"#, "a  b  "), ["a  b", "  "])
        XCTAssertEqual(try split("a|ab", "ab"), ["a", "b"])                 // leftmost-first, not longest
        XCTAssertEqual(try split("a+?b", "aab"), ["aab"])
        XCTAssertEqual(try split(#"(?=(\d{3})+(?!\d))"#, "1234567"), ["1", "234", "567"])
        XCTAssertEqual(try split(#"\bab"#, "ab cab ab"), ["ab", " cab ", "ab"])
        XCTAssertEqual(try split("((?=[\\p{L}])([^a-z]))+", "ABcD"), ["AB", "c", "D"])
        XCTAssertThrowsError(try MiniRegex(#"\p{Han}+"#))
        XCTAssertThrowsError(try MiniRegex("(ab"))
    }

    func testPreTokenizerSplits() throws {
        func pre(_ name: String, _ text: String) throws -> [String] {
            let p = try PreTokenizer(regexes: PreTokenizerPatterns.spec(for: name)!.regexes)
            return words(text, p.split(text.unicodeScalars.map(\.value)))
        }
        XCTAssertEqual(try pre("llama3", "Hello world 12345!!\n\n  x"), ["Hello", " world", " ", "123", "45", "!!\n\n", " ", " x"])
        XCTAssertEqual(try pre("qwen2", "abc 123"), ["abc", " ", "1", "2", "3"])
        XCTAssertEqual(try pre("smollm", "x 2024"), ["x", " ", "2", "0", "2", "4"])
        XCTAssertEqual(try pre("gpt-4o", "HelloWorld's"), ["Hello", "World's"])
        XCTAssertEqual(try pre("deepseek-coder", "a1\nb"), ["a", "1", "\n", "b"])
        XCTAssertEqual(try pre("bloom", "hi, there"), ["hi", ",", " there"])
        // Every known name compiles.
        for name in ["default", "llama3", "deepseek-llm", "deepseek-coder", "deepseek-v3", "falcon", "starcoder", "gpt-2",
                     "qwen2", "stablelm2", "poro-chat", "chatglm-bpe", "viking", "tekken", "smollm", "bloom", "chameleon",
                     "gpt-4o", "superbpe", "bailingmoe", "seed-coder", "exaone", "minerva-7b", "command-r", "refact",
                     "qwen35", "tiny_aya", "youtu", "exaone-moe", "jais-2", "minicpm5", "spark2_5", "laguna",
                     "granite-embed-multi-97m", "hy_v4", "ufakzeka", "glm5"] {
            let spec = try XCTUnwrap(PreTokenizerPatterns.spec(for: name), name)
            XCTAssertNoThrow(try PreTokenizer(regexes: spec.regexes), name)
        }
    }
}

extension PreTokenizerTests {
    /// Dev aid: with TAILOR_DUMP_PRE_SPECS=path, writes every known pre-tokenizer spec as JSON
    /// (used to diff against llama.cpp's table by hand).
    func testDumpSpecsWhenAsked() throws {
        guard let path = ProcessInfo.processInfo.environment["TAILOR_DUMP_PRE_SPECS"] else { return }
        let names = try String(contentsOfFile: path + ".names", encoding: .utf8).split(separator: "\n").map(String.init)
        var out: [String: Any] = [:]
        for n in names {
            guard let s = PreTokenizerPatterns.spec(for: n) else { continue }
            out[n] = ["regexes": s.regexes, "clean": s.cleanSpaces, "ignore": s.ignoreMerges, "bos": s.forceAddBOS,
                      "sep": s.addSEP, "nobos": s.noBOS]
        }
        try JSONSerialization.data(withJSONObject: out).write(to: URL(fileURLWithPath: path))
    }
}
