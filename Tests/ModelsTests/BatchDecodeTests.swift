// BatchDecodeTests.swift: decoding several sequences in one step (shared weight reads). By
// default (`batchInvariant`) each sequence gets exactly the logits it gets on its own (sequences
// at different positions); with batchInvariant off, int8 batches use the block-order kernels,
// whose logits must stay as close to exact f32 math as single-sequence int8 decoding is, with
// the same argmax.
import Foundation
import XCTest
@testable import Loading
import Generation
import Models
import Tensor
import TestSupport

final class BatchDecodeTests: XCTestCase {
    func testBatchEqualsSeparateSequences() throws {
        let loaded = try ModelLoader.load(try TestAssets.defaultModelPath(), threads: 2)
        let m = loaded.model
        let prompts: [[Int32]] = [[504, 3575, 282, 4649, 314], [6403, 1980, 253, 655, 28, 665, 436, 253, 1838], [1, 4093, 198]]
        let next: [Int32] = [7042, 3365, 1780]
        let V = m.vocabularySize
        XCTAssertTrue(m.batchInvariant, "solo-identical batches are the default")
        for (activations, tol) in [(ActivationPrecision.f32, Float(1e-4)), (.int8, 1e-3)] {
            m.activations = activations
            var solo: [[Float]] = []
            for (p, n) in zip(prompts, next) {
                let c = m.makeCache(capacity: 32, precision: .f16)
                _ = try m.forward(p, cache: c, allLogits: false)
                solo.append(try m.forward([n], cache: c, allLogits: false))
            }
            let caches = prompts.map { _ in m.makeCache(capacity: 32, precision: .f16) }
            for (p, c) in zip(prompts, caches) { _ = try m.forward(p, cache: c, allLogits: false) }
            let batch = try m.decodeBatch(next, caches: caches)
            XCTAssertEqual(batch.count, 3 * V)
            for i in 0..<3 {
                var worst: Float = 0
                for j in 0..<V { worst = max(worst, abs(batch[i * V + j] - solo[i][j])) }
                XCTAssertLessThan(worst, tol, "sequence \(i) [\(activations)]")
                XCTAssertEqual(caches[i].count, prompts[i].count + 1)
            }
        }
        let c = m.makeCache(capacity: 8, precision: .f16)
        XCTAssertThrowsError(try m.decodeBatch([1, 2], caches: [c, c]), "a cache shared by two sequences")
    }
    func testBlockOrderBatchStaysAsCloseToExactAsSoloDecoding() throws {
        let loaded = try ModelLoader.load(try TestAssets.defaultModelPath(), threads: 2)
        let m = loaded.model
        m.batchInvariant = false  // block-order batches
        let prompts: [[Int32]] = [[504, 3575, 282, 4649, 314], [6403, 1980, 253, 655, 28, 665, 436, 253, 1838], [1, 4093, 198],
                                  [28, 3000, 7, 4093, 198, 504, 11, 2, 99], [1, 2, 3]]
        let V = m.vocabularySize
        // Every path is fed the same tokens (the exact path's greedy choices), so the logits of
        // each step compare like with like.
        func run(_ activations: ActivationPrecision, batched: Bool, forced: [[Int32]]?) throws -> (logits: [[[Float]]], tokens: [[Int32]]) {
            m.activations = activations
            defer { m.activations = .int8 }
            let caches = prompts.map { _ in m.makeCache(capacity: 48, precision: .f16) }
            var steps: [[[Float]]] = [], chosen: [[Int32]] = []
            var next = try zip(prompts, caches).map { p, c in Sampler.argmax(try m.forward(p, cache: c, allLogits: false)) }
            if let forced { next = forced[0] }
            for step in 0..<6 {
                chosen.append(next)
                var rows = [[Float]](repeating: [], count: prompts.count)
                if batched {
                    let l = try m.decodeBatch(next, caches: caches)
                    for i in prompts.indices { rows[i] = Array(l[(i * V)..<((i + 1) * V)]) }
                } else {
                    for i in prompts.indices { rows[i] = try m.forward([next[i]], cache: caches[i], allLogits: false) }
                }
                steps.append(rows)
                next = forced.map { step + 1 < $0.count ? $0[step + 1] : rows.map { Sampler.argmax($0) } } ?? rows.map { Sampler.argmax($0) }
            }
            return (steps, chosen)
        }
        let exact = try run(.f32, batched: false, forced: nil)
        let solo = try run(.int8, batched: false, forced: exact.tokens), batch = try run(.int8, batched: true, forced: exact.tokens)
        var worstSolo: Float = 0, worstBatch: Float = 0, differs = false
        for (step, rows) in exact.logits.enumerated() {
            for i in prompts.indices {
                var dSolo: Float = 0, dBatch: Float = 0
                for j in 0..<V {
                    dSolo = max(dSolo, abs(solo.logits[step][i][j] - rows[i][j]))
                    dBatch = max(dBatch, abs(batch.logits[step][i][j] - rows[i][j]))
                    if batch.logits[step][i][j] != solo.logits[step][i][j] { differs = true }
                }
                worstSolo = max(worstSolo, dSolo)
                worstBatch = max(worstBatch, dBatch)
                let sorted = rows[i].sorted(by: >)
                if sorted[0] - sorted[1] > 0.5 {  // not a near-tie: int8 paths must pick exact's token
                    XCTAssertEqual(Sampler.argmax(batch.logits[step][i]), Sampler.argmax(rows[i]), "step \(step) sequence \(i): greedy token")
                }
            }
        }
        print("max |solo int8 - exact| \(worstSolo), max |batched block-order - exact| \(worstBatch)")
        XCTAssertTrue(differs, "block order should not equal lane order bit for bit (is the kernel in use?)")
        XCTAssertLessThan(worstBatch, max(0.6, 1.5 * worstSolo), "batched int8 drifted from exact math more than solo int8 does")
    }

    /// `.int8Blocked` for a single sequence (`tailor --sums block`, and prompts under the default
    /// `.int8`): a whole prompt in one chunk
    /// and the same prompt token by token through the cache give the same floats (each token's
    /// block sums do not depend on the others), and the logits stay as close to exact f32 math as
    /// the default order's, with exact's greedy token off near-ties.
    func testBlockSumsForOneSequenceAreChunkInvariantAndAsCloseToExact() throws {
        let loaded = try ModelLoader.load(try TestAssets.defaultModelPath(), threads: 2)
        let m = loaded.model
        defer { m.activations = .int8 }
        let prompts: [[Int32]] = [[504, 3575, 282, 4649, 314, 6403, 1980, 253, 655, 28, 665, 436], [1, 4093, 198, 28, 3000, 7, 4093]]
        for p in prompts {
            func last(_ a: ActivationPrecision) throws -> [Float] {
                m.activations = a
                return try m.forward(p, cache: m.makeCache(capacity: 32, precision: .f16), allLogits: false)
            }
            let exact = try last(.f32), lane = try last(.int8Lanes), block = try last(.int8Blocked)
            func all(_ a: ActivationPrecision) throws -> [Float] {
                m.activations = a
                return try m.forward(p, cache: m.makeCache(capacity: 32, precision: .f16), allLogits: true)
            }
            XCTAssertEqual(try all(.int8), try all(.int8Blocked), "the default .int8 runs a prompt in block order")
            func stepwise(_ a: ActivationPrecision) throws -> [Float] {
                m.activations = a
                let c = m.makeCache(capacity: 32, precision: .f16)
                var l: [Float] = []
                for t in p { l = try m.forward([t], cache: c, allLogits: false) }
                return l
            }
            XCTAssertEqual(try stepwise(.int8Blocked), block, "block sums: token by token vs one chunk")
            XCTAssertEqual(try stepwise(.int8), try stepwise(.int8Lanes), "the default .int8 decodes single tokens in lane order")
            var dLane: Float = 0, dBlock: Float = 0
            for j in exact.indices {
                dLane = max(dLane, abs(lane[j] - exact[j]))
                dBlock = max(dBlock, abs(block[j] - exact[j]))
            }
            print("prompt of \(p.count): max |ggml order - exact| \(dLane), max |block order - exact| \(dBlock)")
            XCTAssertNotEqual(block, lane, "block order should differ from the ggml order (is the kernel in use?)")
            XCTAssertLessThan(dBlock, max(0.6, 1.5 * dLane), "block sums drifted from exact math more than the ggml order")
            let sorted = exact.sorted(by: >)
            if sorted[0] - sorted[1] > 0.5 { XCTAssertEqual(Sampler.argmax(block), Sampler.argmax(exact)) }
        }
    }
}
