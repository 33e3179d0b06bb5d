// PooledGEMMTests.swift: tk_sgemm_pool (BLAS slices over the pool) against a plain double-precision
// triple loop, for every transpose combination, shapes that do not divide into the slices, row
// strides wider than the matrices, and beta = 1 (accumulation); plus the vectorized exp of the
// training kernels (tk_swiglu_fwd against Foundation's exp).
import CKernels
import Foundation
import XCTest

final class PooledGEMMTests: XCTestCase {
    func testSlicedGEMMMatchesNaiveProduct() {
        var rng = SeededRNG(seed: 11)
        for threads: Int32 in [1, 2, 3] {
            let pool = tk_pool_create(threads)
            defer { tk_pool_destroy(pool) }
            for (m, n, k) in [(70, 45, 33), (37, 130, 65), (129, 97, 80), (5, 300, 70)] {
                for ta: Int32 in [0, 1] {
                    for tb: Int32 in [0, 1] {
                        let lda = (ta == 0 ? k : m) + 3, ldb = (tb == 0 ? n : k) + 2, ldc = n + 5
                        let a = (0..<((ta == 0 ? m : k) * lda)).map { _ in rng.boundedGauss() }
                        let b = (0..<((tb == 0 ? k : n) * ldb)).map { _ in rng.boundedGauss() }
                        let c0 = (0..<(m * ldc)).map { _ in rng.boundedGauss() }
                        var c = c0
                        tk_sgemm_pool(ta, tb, Int64(m), Int64(n), Int64(k), 0.5, a, Int64(lda), b, Int64(ldb), 1, &c, Int64(ldc), pool)
                        var worst = 0.0
                        for i in 0..<m {
                            for j in 0..<n {
                                var s = 0.0
                                for p in 0..<k {
                                    let av = ta == 0 ? a[i * lda + p] : a[p * lda + i]
                                    let bv = tb == 0 ? b[p * ldb + j] : b[j * ldb + p]
                                    s += Double(av) * Double(bv)
                                }
                                worst = max(worst, abs(0.5 * s + Double(c0[i * ldc + j]) - Double(c[i * ldc + j])))
                            }
                            for j in n..<ldc { XCTAssertEqual(c[i * ldc + j], c0[i * ldc + j], "padding written") }
                        }
                        XCTAssertLessThan(worst, 1e-3, "threads \(threads) m \(m) n \(n) k \(k) ta \(ta) tb \(tb)")
                    }
                }
            }
        }
    }

    func testSwiGLUForwardMatchesLibm() {
        let gate = stride(from: -100.0 as Float, through: 100, by: 0.037).map { $0 }
        let up = gate.map { 0.5 + $0 * 0.01 }
        var y = [Float](repeating: 0, count: gate.count)
        tk_swiglu_fwd(&y, gate, up, Int64(gate.count))
        for i in gate.indices {
            let g = Double(gate[i]), want = g / (1 + Foundation.exp(-g)) * Double(up[i])
            XCTAssertEqual(Double(y[i]), want, accuracy: 1e-6 * max(1, abs(want)), "gate \(g)")
        }
    }
}
