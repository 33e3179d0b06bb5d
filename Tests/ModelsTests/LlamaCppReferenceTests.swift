// LlamaCppReferenceTests.swift: logits and greedy tokens of the default model against llama.cpp
// on the same file (../shared/testdata/smollm2-reference.json, made with libllama b4748).
import Foundation
import XCTest
@testable import Loading
import Models

struct ReferenceCase: Decodable {
    let prompt: String
    let prompt_ids: [Int32]?
    let top10_last_pos_id_logit: [[Double]]
    let greedy32_ids: [Int32]
}

struct ReferenceFile: Decodable {
    let f16_kv: [ReferenceCase]
    let f32_kv: [ReferenceCase]
}

final class LlamaCppReferenceTests: XCTestCase {
    static let tolerance: Float = 0.35  // see tolerance_advice in the reference file

    func reference() throws -> ReferenceFile {
        let url = TestModel.sharedTestdata.appendingPathComponent("smollm2-reference.json")
        return try JSONDecoder().decode(ReferenceFile.self, from: Data(contentsOf: url))
    }

    func check(_ precision: KVCache.Precision) throws {
        let path = try TestModel.defaultModelPath()
        let loaded = try ModelLoader.load(path, threads: 2)
        let ref = try reference()
        let f16 = ref.f16_kv
        let cases = precision == .f16 ? ref.f16_kv : ref.f32_kv
        for (i, c) in cases.enumerated() {
            let ids = f16[i].prompt_ids!
            let cache = loaded.model.makeCache(capacity: 512, precision: precision)
            var logits = try loaded.model.forward(ids, cache: cache, allLogits: false)
            // top-1 identical, top-10 logits within tolerance
            let top = argmax(logits)
            XCTAssertEqual(top, Int32(c.top10_last_pos_id_logit[0][0]), "prompt \(i) top-1")
            var maxDiff: Float = 0
            for pair in c.top10_last_pos_id_logit {
                let d = abs(logits[Int(pair[0])] - Float(pair[1]))
                maxDiff = max(maxDiff, d)
            }
            XCTAssertLessThan(maxDiff, Self.tolerance, "prompt \(i) top-10 logits")
            // greedy continuation identical up to the first near-tie
            var generated: [Int32] = []
            for step in 0..<c.greedy32_ids.count {
                let next = argmax(logits)
                let want = c.greedy32_ids[step]
                if next != want {
                    let margin = abs(logits[Int(next)] - logits[Int(want)])
                    XCTAssertLessThan(margin, 0.1, "prompt \(i) step \(step): \(next) vs llama.cpp \(want) with margin \(margin)")
                    break
                }
                generated.append(next)
                logits = try loaded.model.forward([next], cache: cache, allLogits: false)
            }
            print("prompt \(i) [\(precision)]: max top-10 diff \(maxDiff), greedy agreed for \(generated.count)/\(c.greedy32_ids.count) tokens")
        }
    }

    func testLogitsAndGreedyMatchLlamaCppF32Cache() throws { try check(.f32) }
    func testLogitsAndGreedyMatchLlamaCppF16Cache() throws { try check(.f16) }
}

func argmax(_ v: [Float]) -> Int32 {
    var best = 0
    for i in 1..<v.count where v[i] > v[best] { best = i }
    return Int32(best)
}
