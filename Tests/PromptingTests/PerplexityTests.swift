// PerplexityTests.swift: Tailor's perplexity against llama.cpp's llama-perplexity on the first
// 20 KB of the GPL-3 text (ctx 512): the fixture was made by scripts/make_perplexity_reference.py
// (llama-cpp-python 0.3.36) and gives 18.3875, the "about 18.39" of issue 4.
import Evaluation
import Foundation
import XCTest

final class PerplexityTests: XCTestCase {
    struct Reference: Decodable {
        var n_ctx: Int
        var n_tokens: Int
        var n_chunk: Int
        var first_tokens: [Int32]
        var running_ppl: [Double]
        var ppl: Double
    }

    func testMatchesLlamaCppPerplexity() throws {
        let dir = TestAssets.fixtures.appendingPathComponent("perplexity")
        let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: dir.appendingPathComponent("gpl3-20k.json")))
        let text = try String(contentsOf: dir.appendingPathComponent("gpl3-20k.txt"), encoding: .utf8)
        if let system = FileManager.default.contents(atPath: "/usr/share/common-licenses/GPL-3") {
            XCTAssertEqual(Data(text.utf8), system.prefix(20480), "the fixture is the first 20 KB of GPL-3")
        }
        let m = try SharedModel.load()
        let tokens = m.tokenizer.encode(text, addSpecial: true, parseSpecial: false)
        XCTAssertFalse(m.tokenizer.addBOS, "SmolLM2 adds no BOS, as llama.cpp reads its metadata")
        XCTAssertEqual(tokens.count, ref.n_tokens)
        XCTAssertEqual(Array(tokens.prefix(16)), ref.first_tokens)
        let r = try PerplexityEvaluator.run(model: m.model, tokenizer: m.tokenizer, text: text, context: ref.n_ctx)
        XCTAssertEqual(r.chunks, ref.n_chunk)
        XCTAssertEqual(r.scoredTokens, ref.n_chunk * (ref.n_ctx - ref.n_ctx / 2 - 1))
        XCTAssertEqual(r.perplexity, ref.ppl, accuracy: ref.ppl * 0.01, "llama.cpp: \(ref.ppl), Tailor: \(r.perplexity)")
        XCTAssertEqual(r.perplexity, 18.39, accuracy: 0.18)
        for (i, (a, b)) in zip(r.runningPerplexity, ref.running_ppl).enumerated() {
            XCTAssertEqual(a, b, accuracy: b * 0.02, "after chunk \(i + 1)")
        }
        XCTAssertGreaterThan(r.standardError, 0)
    }

    func testTooShortTextIsAnError() throws {
        let m = try SharedModel.load()
        XCTAssertThrowsError(try PerplexityEvaluator.run(model: m.model, tokenizer: m.tokenizer, text: "short text", context: 512)) { e in
            XCTAssertTrue("\(e)".contains("at least 1024"), "\(e)")
        }
    }
}
