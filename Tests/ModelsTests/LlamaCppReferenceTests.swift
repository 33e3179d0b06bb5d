// LlamaCppReferenceTests.swift: the default model against llama.cpp on the same file, with
// Tailor's default int8 activations (as llama.cpp's):
//  - ../shared/testdata/smollm2-reference.json (libllama b4748): prompt ids, top-1, top-10 logits,
//    32 greedy tokens, for an f16 and an f32 KV cache;
//  - Tests/Fixtures/llamacpp/smollm2-extra.json (scripts/make_llamacpp_reference.py): other
//    prompts incl. a 424-token context, top-5 logits at EVERY position of a batched prompt, and
//    greedy tokens with llama.cpp's own top-2 margins.
// Tolerance: two int8-activation implementations do not round identically, and this small model
// amplifies it: llama.cpp itself differs from an exact float64 forward by up to 0.65 (mean 0.15)
// across the vocabulary on prompt 0, and its f16 vs f32 cache moves logits by 0.17. So logits
// must agree within 0.5 at the last prompt position (1.5 worst case over every position of a
// batch, with a mean under 0.25). Calibration: Tailor's exact path, itself within 2e-3 of a
// float64 forward (ExactForwardTests), differs from llama.cpp on these positions by a mean of
// 0.14-0.22 and up to 1.55, which is llama.cpp's own 8-bit noise; the int8 path is as close or closer.
// TAILOR_EXACT=1 runs this file on the exact path to repeat that measurement. A greedy token may
// differ only at a near-tie: where the two candidates are within 2 × tolerance of each other.
import Foundation
import XCTest
@testable import Loading
import Models
import Tokenizers
import TestSupport

final class LlamaCppReferenceTests: XCTestCase {
    static let tolerance: Float = 0.5
    static let meanTolerance = 0.25

    struct SharedCase: Decodable {
        let prompt: String
        let parse_special: Bool?
        let prompt_ids: [Int32]?
        let top10_last_pos_id_logit: [[Double]]
        let greedy32_ids: [Int32]
    }
    struct SharedFile: Decodable { let f16_kv: [SharedCase]; let f32_kv: [SharedCase] }

    struct ExtraRun: Decodable { let top5_per_position: [[[Double]]]; let greedy24_ids: [Int32]; let greedy24_top2_margin: [Double] }
    struct ExtraCase: Decodable { let prompt: String; let prompt_ids: [Int32]; let f16: ExtraRun; let f32: ExtraRun }
    struct ExtraFile: Decodable { let cases: [ExtraCase] }

    func load() throws -> LoadedModel {
        let l = try ModelLoader.load(try TestAssets.defaultModelPath(), threads: 2)
        if ProcessInfo.processInfo.environment["TAILOR_EXACT"] != nil { l.model.activations = .f32 }
        return l
    }

    /// Greedy decoding from `logits`, compared with `want`; returns how many tokens agreed.
    /// `theirMargins`, when known, are llama.cpp's top-2 gaps at each step.
    func greedyAgreement(_ m: LanguageModel, cache: KVCache, first logits: [Float], want: [Int32],
                         theirMargins: [Double]? = nil, _ what: String) throws -> Int {
        var logits = logits
        for (step, w) in want.enumerated() {
            let next = argmax(logits)
            if next != w {
                let ours = logits[Int(next)] - logits[Int(w)]
                XCTAssertLessThan(ours, 2 * Self.tolerance, "\(what) step \(step): \(next) vs llama.cpp \(w), our margin \(ours)")
                if let tm = theirMargins {
                    XCTAssertLessThan(Float(tm[step]), 2 * Self.tolerance, "\(what) step \(step): llama.cpp's margin \(tm[step]) is no near-tie")
                }
                return step
            }
            logits = try m.forward([next], cache: cache, allLogits: false)
        }
        return want.count
    }

    func testSharedReference() throws {
        let loaded = try load()
        let url = TestAssets.sharedTestdata.appendingPathComponent("smollm2-reference.json")
        let ref = try JSONDecoder().decode(SharedFile.self, from: Data(contentsOf: url))
        for (precision, cases) in [(KVCache.Precision.f16, ref.f16_kv), (.f32, ref.f32_kv)] {
            for (i, c) in cases.enumerated() {
                let want = ref.f16_kv[i].prompt_ids!
                let ids = loaded.tokenizer.encode(c.prompt, addSpecial: false, parseSpecial: ref.f16_kv[i].parse_special ?? false)
                XCTAssertEqual(ids, want, "prompt \(i) ids")
                let cache = loaded.model.makeCache(capacity: 512, precision: precision)
                let logits = try loaded.model.forward(want, cache: cache, allLogits: false)
                XCTAssertEqual(argmax(logits), Int32(c.top10_last_pos_id_logit[0][0]), "prompt \(i) [\(precision)] top-1")
                var worst: Float = 0
                for pair in c.top10_last_pos_id_logit { worst = max(worst, abs(logits[Int(pair[0])] - Float(pair[1]))) }
                XCTAssertLessThan(worst, Self.tolerance, "prompt \(i) [\(precision)] top-10 logits")
                let n = try greedyAgreement(loaded.model, cache: cache, first: logits, want: c.greedy32_ids, "prompt \(i) [\(precision)]")
                print("shared prompt \(i) [\(precision)]: top-10 max diff \(worst), greedy agreed \(n)/\(c.greedy32_ids.count)")
            }
        }
    }

    func testExtraPromptsEveryPositionAndGreedy() throws {
        let loaded = try load()
        let url = TestAssets.fixtures.appendingPathComponent("llamacpp/smollm2-extra.json")
        let ref = try JSONDecoder().decode(ExtraFile.self, from: Data(contentsOf: url))
        let V = loaded.model.vocabularySize
        for (ci, c) in ref.cases.enumerated() {
            XCTAssertEqual(loaded.tokenizer.encode(c.prompt, addSpecial: false, parseSpecial: true), c.prompt_ids, "case \(ci) ids")
            for (precision, run) in [(KVCache.Precision.f16, c.f16), (.f32, c.f32)] {
                let cache = loaded.model.makeCache(capacity: 1024, precision: precision)
                let all = try loaded.model.forward(c.prompt_ids, cache: cache, allLogits: true)
                var worst: Float = 0, top1Misses = 0, sum: Double = 0, count = 0
                for (t, top) in run.top5_per_position.enumerated() {
                    let row = all[t * V..<(t + 1) * V]
                    for pair in top {
                        let d = abs(row[t * V + Int(pair[0])] - Float(pair[1]))
                        worst = max(worst, d); sum += Double(d); count += 1
                    }
                    let ours = row.indices.max { row[$0] < row[$1] }! - t * V
                    if ours != Int(top[0][0]) {
                        top1Misses += 1
                        XCTAssertLessThan(Float(top[0][1] - top[1][1]), 2 * Self.tolerance, "case \(ci) pos \(t): top-1 differs at a clear margin")
                    }
                }
                // over hundreds of positions the worst case grows; the mean must stay small
                let mean = sum / Double(count)
                XCTAssertLessThan(worst, 3 * Self.tolerance, "case \(ci) [\(precision)] top-5 at every position: worst")
                XCTAssertLessThan(mean, Self.meanTolerance, "case \(ci) [\(precision)] top-5 at every position: mean")
                let last = Array(all[(c.prompt_ids.count - 1) * V..<c.prompt_ids.count * V])
                let n = try greedyAgreement(loaded.model, cache: cache, first: last, want: run.greedy24_ids,
                                            theirMargins: run.greedy24_top2_margin, "case \(ci) [\(precision)]")
                print("extra case \(ci) [\(precision)] \(c.prompt_ids.count) tokens: max diff \(worst), mean \(sum / Double(count)), top-1 misses \(top1Misses), greedy \(n)/24")
            }
        }
    }
}

func argmax(_ v: [Float]) -> Int32 {
    var best = 0
    for i in 1..<v.count where v[i] > v[best] { best = i }
    return Int32(best)
}
