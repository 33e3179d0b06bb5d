// TrainingPoolKernelTests.swift: the pooled training kernels against plain references.
// - The elementwise *_pool kernels against the one-thread kernels, bit for bit (elementwise, so
//   any split must give the same floats), on sizes that do not divide into the pool's units.
// - tk_sum_squares_pool against a double loop, identical for every thread count.
// - Overwrite modes (SwiGLU and cross-entropy backward) against accumulating into zeros.
import CKernels
import Foundation
import XCTest

final class TrainingPoolKernelTests: XCTestCase {
    private func pools(_ body: (Int32, OpaquePointer?) -> Void) {
        for threads: Int32 in [1, 2, 3] {
            let pool = tk_pool_create(threads)
            body(threads, pool)
            tk_pool_destroy(pool)
        }
    }

    func testElementwisePoolKernelsMatchOneThreadKernels() {
        var rng = SeededRNG(seed: 9)
        let n = 100_003
        let a = rng.normals(n, std: 3), b = rng.normals(n, std: 3), c = rng.normals(n)
        let N = Int64(n)
        pools { threads, pool in
            let ctx = "threads \(threads)"
            var want = c, got = c
            tk_add(&want, a, N); tk_add_pool(&got, a, N, pool); XCTAssertEqual(got, want, "add " + ctx)
            want = a; tk_add(&want, b, N); got = c; tk_add3_pool(&got, a, b, N, pool); XCTAssertEqual(got, want, "add3 " + ctx)
            want = a; tk_scale(&want, 0.3, N); got = a; tk_scale_pool(&got, 0.3, N, pool); XCTAssertEqual(got, want, "scale " + ctx)
            want = c; tk_axpy(&want, -1.7, a, N); got = c; tk_axpy_pool(&got, -1.7, a, N, pool); XCTAssertEqual(got, want, "axpy " + ctx)
            tk_mul(&want, a, b, N); tk_mul_pool(&got, a, b, N, pool); XCTAssertEqual(got, want, "mul " + ctx)
            want = c; tk_mul_acc(&want, a, b, N); got = c; tk_mul_acc_pool(&got, a, b, N, pool); XCTAssertEqual(got, want, "mul_acc " + ctx)
            tk_silu_fwd(&want, a, N); tk_silu_fwd_pool(&got, a, N, pool); XCTAssertEqual(got, want, "silu " + ctx)
            want = c; tk_silu_bwd(&want, b, a, N); got = c; tk_silu_bwd_pool(&got, b, a, N, pool); XCTAssertEqual(got, want, "silu bwd " + ctx)
            tk_swiglu_fwd(&want, a, b, N); tk_swiglu_fwd_pool(&got, a, b, N, pool); XCTAssertEqual(got, want, "swiglu " + ctx)
            var wg = c, wu = b, gg = c, gu = b
            tk_swiglu_bwd(&wg, &wu, c, a, b, N); tk_swiglu_bwd_pool(&gg, &gu, c, a, b, N, 0, pool)
            XCTAssertEqual(gg, wg, "swiglu bwd dgate " + ctx); XCTAssertEqual(gu, wu, "swiglu bwd dup " + ctx)
            // Overwrite mode: same as accumulating into zeros, whatever the buffers held.
            var zg = [Float](repeating: 0, count: n), zu = zg
            tk_swiglu_bwd(&zg, &zu, c, a, b, N)
            var og = [Float](repeating: .nan, count: n), ou = og
            tk_swiglu_bwd_pool(&og, &ou, c, a, b, N, 3, pool)
            XCTAssertEqual(og, zg, "swiglu bwd overwrite dgate " + ctx); XCTAssertEqual(ou, zu, "swiglu bwd overwrite dup " + ctx)
            ou = b; tk_swiglu_bwd_pool(nil, &ou, c, a, b, N, 1, pool)  // bit 0 names dgate, which is absent: dup adds
            XCTAssertEqual(ou, wu, "swiglu bwd dup only " + ctx)
            // AdamW: elementwise, so bit-identical.
            var p1 = a, m1 = b.map { $0 * 0.1 }, v1 = c.map { $0 * $0 }
            var p2 = p1, m2 = m1, v2 = v1
            tk_adamw_step(&p1, c, &m1, &v1, N, 0.999, 0.1, 0.999, 0.001, 1e-3, 0.03, 1e-8)
            tk_adamw_step_pool(&p2, c, &m2, &v2, N, 0.999, 0.1, 0.999, 0.001, 1e-3, 0.03, 1e-8, pool)
            XCTAssertEqual(p2, p1, "adamw p " + ctx); XCTAssertEqual(m2, m1, "adamw m " + ctx); XCTAssertEqual(v2, v1, "adamw v " + ctx)
        }
    }

    func testSumOfSquaresIsThreadIndependent() {
        var rng = SeededRNG(seed: 13)
        for n in [1, 1000, 65_536, 300_001] {
            let x = rng.normals(n, std: 2)
            let ref = x.reduce(0.0) { $0 + Double($1) * Double($1) }
            var results: [Double] = []
            pools { threads, pool in
                let s = tk_sum_squares_pool(x, Int64(n), pool)
                XCTAssertEqual(s, ref, accuracy: 1e-10 * ref, "n \(n) threads \(threads)")
                results.append(s)
            }
            XCTAssertEqual(Set(results).count, 1, "n \(n): \(results)")
        }
    }

    func testCrossEntropyBackwardOverwrite() {
        var rng = SeededRNG(seed: 17)
        let N = 9, V = 1003
        let z = rng.normals(N * V, std: 2)
        let targets: [Int32] = [3, -100, 1002, 0, 77, -100, 500, 1, 2]
        var lse = [Float](repeating: 0, count: N), rowLoss = lse
        var valid: Int64 = 0
        _ = tk_cross_entropy_fwd(z, targets, -100, Int64(N), Int64(V), &lse, &rowLoss, &valid, nil)
        pools { threads, pool in
            var added = [Float](repeating: 0, count: N * V)
            tk_cross_entropy_bwd(&added, z, targets, -100, lse, Int64(N), Int64(V), 0.25, 0, pool)
            var written = [Float](repeating: .nan, count: N * V)
            tk_cross_entropy_bwd(&written, z, targets, -100, lse, Int64(N), Int64(V), 0.25, 1, pool)
            XCTAssertEqual(written, added, "threads \(threads)")
        }
    }
}
