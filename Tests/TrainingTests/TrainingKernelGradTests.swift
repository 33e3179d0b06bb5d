// TrainingKernelGradTests.swift: finite-difference checks (GradCheckSupport.swift, tolerance as
// OpGradientTests) for the paths the op walk's small shapes do not reach: attention over more
// query rows than one score block of the blocked kernel (32), with and without a prefix, on 1 and
// 2 threads; the fused LoRA op (lowRankLinear) with a trainable and a frozen base and a separate
// dropout input; GEMMs large enough to be split over the pool; and a gradient flowing into the
// same variable twice through add (the buffer hand-over).
import Foundation
import XCTest
import NN
import Tensor
@testable import Training

final class TrainingKernelGradTests: XCTestCase {
    func testBlockedAttentionFusedLoRAAndPooledLinear() throws {
        var rng = SeededRNG(seed: 5)
        func v(_ shape: [Int], std: Float = 1) -> Variable {
            Variable(shape: shape, values: rng.normals(shape.reduce(1, *), std: std), requiresGrad: true)
        }
        for threads in [1, 2] {
            let pool = ThreadPool(threads: threads)
            func check(_ name: String, _ inputs: [Variable], _ f: @escaping (Tape) throws -> Variable) throws {
                let r = try GradCheck.run(name, inputs: inputs, pool: pool, samples: 16, f: f)
                XCTAssertLessThan(r.worst, OpGradientTests.tolerance, "\(name) threads=\(threads)")
            }
            for (T, P) in [(70, 0), (37, 5)] {
                let B = 2, H = 4, Hkv = 2, Dh = 8, S = P + T
                let q = v([B * T, H * Dh], std: 0.5), k = v([B * (P + T), Hkv * Dh], std: 0.5), vv = v([B * (P + T), Hkv * Dh])
                // Forward against a plain double-precision softmax(q·kᵀ/√Dh)·v with the causal mask.
                let out = Tape(pool: pool, recording: false).causalAttention(q: q, k: k, v: vv, batch: B, heads: H, kvHeads: Hkv,
                                                                            headDim: Dh, prefix: P).value.array
                let qa = q.value.array, ka = k.value.array, va = vv.value.array
                var worst = 0.0
                for b in 0..<B { for h in 0..<H { for t in 0..<T {
                    let hk = h / (H / Hkv)
                    let sc = (0...(P + t)).map { j in
                        (0..<Dh).reduce(0.0) { $0 + Double(qa[((b * T + t) * H + h) * Dh + $1]) * Double(ka[((b * S + j) * Hkv + hk) * Dh + $1]) } / Double(Dh).squareRoot()
                    }
                    let mx = sc.max()!, e = sc.map { Foundation.exp($0 - mx) }, z = e.reduce(0, +)
                    for d in 0..<Dh {
                        let want = e.indices.reduce(0.0) { $0 + e[$1] / z * Double(va[((b * S + $1) * Hkv + hk) * Dh + d]) }
                        worst = max(worst, abs(want - Double(out[((b * T + t) * H + h) * Dh + d])))
                    }
                } } }
                XCTAssertLessThan(worst, 1e-5, "attention forward T=\(T) P=\(P)")
                try check("attention T=\(T) P=\(P)", [q, k, vv]) {
                    $0.causalAttention(q: q, k: k, v: vv, batch: B, heads: H, kvHeads: Hkv, headDim: Dh, prefix: P)
                }
            }
            let x = v([40, 96], std: 0.5), w = v([72, 96], std: 0.3), a = v([4, 96], std: 0.3), b = v([72, 4], std: 0.3)
            try check("lowRankLinear", [x, w, a, b]) { $0.lowRankLinear(x, w, a: a, b: b, scaling: 1.5) }
            let wf = Variable(w.value), h = v([40, 96], std: 0.5)
            try check("lowRankLinear frozen base, separate input", [x, a, b, h]) {
                $0.lowRankLinear(x, wf, a: a, b: b, scaling: 0.5, input: h)
            }
            let xl = v([80, 70], std: 0.5), wl = v([90, 70], std: 0.3)
            try check("linear split over the pool", [xl, wl]) { $0.linear(xl, wl) }
            let s = v([6, 7])
            try check("add of a variable to itself", [s]) { t in let y = t.scale(s, by: 2); return t.add(y, y) }
        }
    }
}
