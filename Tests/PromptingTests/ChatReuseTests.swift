// ChatReuseTests.swift: a 3-turn greedy chat on the default model with the KV cache reused
// between turns (ConversationGenerator) gives exactly the replies of the plain Generator, which
// prefills the whole conversation into a fresh cache every turn (both in ggml's summation order,
// which does not depend on how tokens are chunked); and turns 2 and 3 really reuse.
import Evaluation
import Foundation
import Generation
import Tokenizers
import XCTest

final class ChatReuseTests: XCTestCase {
    func testReuseMatchesFullPrefillOverThreeTurns() throws {
        let m = try SharedModel.load()
        let em = try SharedModel.evalModel()
        let template = try XCTUnwrap(em.chatTemplate)
        let tok = m.tokenizer
        // A summation order that does not depend on how tokens are chunked (`--sums ggml`): the
        // default `.int8` sums prompts in block order and single tokens in lanes, so a reused
        // reply's cache rows (decoded one token at a time) differ from a full prefill's by int8
        // rounding, and greedy text can part ways (it did on an AVX2-only Zen 3 host).
        m.model.activations = .int8Lanes
        defer { m.model.activations = .int8 }
        let questions = ["Name three fruits that are drupes.", "Which of those is the largest?", "Say that again in French."]
        let options = GenerationOptions(maxTokens: 40, sampling: .greedy)

        func conversation(_ next: ([Int32]) throws -> String) throws -> [String] {
            var messages: [ChatMessage] = [ChatMessage(role: "system", content: "You are a concise assistant.")]
            var replies: [String] = []
            for q in questions {
                messages.append(ChatMessage(role: "user", content: q))
                let text = try template.render(messages: messages, addGenerationPrompt: true, bosToken: em.bosText, eosToken: em.eosText)
                let reply = try next(em.tokens(ofRendered: text))
                replies.append(reply)
                messages.append(ChatMessage(role: "assistant", content: reply))
            }
            return replies
        }

        let plain = Generator(model: m.model, piece: { tok.tokenPiece($0) }, endOfGeneration: tok.endOfGenerationIDs)
        let reference = try conversation { try plain.generate($0, options: options).text }

        let reusing = ConversationGenerator(model: m.model, piece: { tok.tokenPiece($0) }, endOfGeneration: tok.endOfGenerationIDs)
        var reused: [Int] = [], prefilled: [Int] = [], prompts: [Int] = []
        let got = try conversation { ids in
            prompts.append(ids.count)
            let r = try reusing.generate(ids, options: options)
            reused.append(reusing.lastReusedTokens)
            prefilled.append(reusing.lastPrefilledTokens)
            return r.text
        }
        XCTAssertEqual(got, reference)
        XCTAssertEqual(reused[0], 0)
        for t in 1..<3 {
            // the whole previous prompt is reused (the reply's re-tokenized text may split otherwise)
            XCTAssertGreaterThanOrEqual(reused[t], prompts[t - 1] - 1, "turn \(t + 1) reuses the earlier conversation")
            XCTAssertLessThan(prefilled[t], prompts[t] - prompts[t - 1] + 2, "turn \(t + 1) prefills only the reply and the new turn")
        }
        XCTAssertTrue(reference.allSatisfy { !$0.isEmpty })
    }

    func testRewrittenHistoryFallsBackToFullPrefill() throws {
        let m = try SharedModel.load()
        let tok = m.tokenizer
        let g = ConversationGenerator(model: m.model, piece: { tok.tokenPiece($0) }, endOfGeneration: tok.endOfGenerationIDs)
        let a = tok.encode("The quick brown fox jumps over the lazy dog.", addSpecial: true, parseSpecial: false)
        let b = tok.encode("Colourless green ideas sleep furiously.", addSpecial: true, parseSpecial: false)
        let opts = GenerationOptions(maxTokens: 4, sampling: .greedy)
        _ = try g.generate(a, options: opts)
        let r = try g.generate(b, options: opts)
        let bos = tok.bosID != nil && b.first == tok.bosID ? 1 : 0
        XCTAssertEqual(g.lastReusedTokens, bos, "only a shared BOS can be reused")
        XCTAssertEqual(g.lastPrefilledTokens, b.count - bos)
        let plain = Generator(model: m.model, piece: { tok.tokenPiece($0) }, endOfGeneration: tok.endOfGenerationIDs)
        XCTAssertEqual(r.tokens, try plain.generate(b, options: opts).tokens)
        // the same prompt again: everything but the last token comes from the cache
        _ = try g.generate(b, options: opts)
        XCTAssertEqual(g.lastPrefilledTokens, 1)
    }
}
