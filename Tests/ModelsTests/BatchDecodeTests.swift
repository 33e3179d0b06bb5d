// BatchDecodeTests.swift: decoding several sequences in one step (shared weight reads) must give
// each sequence the logits it gets on its own, for sequences at different positions.
import Foundation
import XCTest
@testable import Loading
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
}
