// SoftmaxRopeTests.swift: tk_softmax (AVX-512 / AVX2 polynomial exp, libm below 16 / 8 values) against
// a float64 softmax, for lengths around the 16-lane boundaries and wide value ranges; tk_rope
// (cos/sin shared by all heads) against a float64 rotation per head, normal and NeoX layouts,
// with frequency factors and partial rotary dimensions; tk_swiglu (AVX-512 / AVX2 polynomial exp, scalar
// tail and portable path) against float64 x·sigmoid(x)·up over the whole float range (and the
// cos/sin table path equal to tk_rope bit for bit); tk_rmsnorm
// (16 partial double sums) against a float64 RMS norm, lengths around the 16-element boundary.
import CKernels
import Foundation
import XCTest

final class SoftmaxRopeTests: XCTestCase {
    func testSoftmaxMatchesFloat64() {
        var rng = SeededRNG(seed: 5)
        defer { tk_set_cpu_features_mask(-1) }
        for mask: Int32 in [-1, 1, 0] {  // 1: the AVX2 path
        tk_set_cpu_features_mask(mask)
        for n in [1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 257, 1000] {
            for spread: Float in [0.1, 5, 60] {
                var x = (0..<n).map { _ in rng.boundedGauss() * spread }
                let x0 = x
                let mx = Double(x.max()!), e = x.map { Foundation.exp(Double($0) - mx) }, sum = e.reduce(0, +)
                tk_softmax(&x, Int64(n))
                for i in 0..<n {
                    let want = e[i] / sum
                    // f32 x - max carries |x - max|·2^-24 into the exponent; the exp itself ~2 ulp
                    let tol = want * (1e-6 + 1.2e-7 * abs(Double(x0[i]) - mx)) + 1e-30
                    XCTAssertLessThan(abs(Double(x[i]) - want), tol, "mask \(mask) n \(n) spread \(spread) [\(i)]")
                }
            }
        }
        }
    }

    func testSwigluMatchesFloat64() {
        var rng = SeededRNG(seed: 7)
        for mask: Int32 in [-1, 1, 0] {  // 1: the AVX2 path
            tk_set_cpu_features_mask(mask)
            defer { tk_set_cpu_features_mask(-1) }
            for n in [1, 15, 16, 17, 1536, 4099] {
                var gate = (0..<n).map { _ in rng.boundedGauss() * 8 }
                // the ends of the range: exp overflow/underflow, zeros, a huge positive gate
                for (i, v) in [Float(-110), -88.5, -30, 0, -0.0, 30, 100, 3e30].enumerated() where i < n { gate[n - 1 - i] = v }
                let up = (0..<n).map { _ in rng.boundedGauss() }
                var out = [Float](repeating: .nan, count: n)
                tk_swiglu(&out, gate, up, Int64(n))
                for i in 0..<n {
                    let g = Double(gate[i]), want = g / (1 + Foundation.exp(-g)) * Double(up[i])
                    let tol = abs(want) * 1e-6 + 1e-37
                    XCTAssertLessThan(abs(Double(out[i]) - want), tol, "mask \(mask) n \(n) gate \(gate[i]) [\(i)]")
                }
            }
        }
    }

    func testRMSNormMatchesFloat64() {
        var rng = SeededRNG(seed: 8)
        for n in [1, 5, 15, 16, 17, 33, 576, 2049] {
            for spread: Float in [1e-3, 1, 300] {
                let x = (0..<n).map { _ in rng.boundedGauss() * spread }
                let w = (0..<n).map { _ in 0.5 + rng.boundedGauss() }
                let eps: Float = 1e-5
                let ms = x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(n)
                let scale = 1 / (ms + Double(eps)).squareRoot()
                for weighted in [true, false] {
                    var y = [Float](repeating: .nan, count: n)
                    if weighted { tk_rmsnorm(&y, x, w, Int64(n), eps) } else { tk_rmsnorm(&y, x, nil, Int64(n), eps) }
                    for i in 0..<n {
                        let want = Double(x[i]) * scale * (weighted ? Double(w[i]) : 1)
                        // the mean is rounded to float, then 1/sqrt and two float products: a few ulp
                        XCTAssertLessThan(abs(Double(y[i]) - want), abs(want) * 5e-7 + 1e-30, "n \(n) spread \(spread) [\(i)]")
                    }
                }
            }
        }
    }

    func testRopeMatchesFloat64Rotation() {
        var rng = SeededRNG(seed: 6)
        for (heads, hd, nRot, neox, factors) in [(3, 64, 64, 0, false), (9, 64, 64, 1, false), (2, 32, 16, 1, true), (4, 48, 48, 0, true)] {
            let pos = 37, base: Float = 10000, fscale: Float = 0.5
            let ff: [Float]? = factors ? (0..<(nRot / 2)).map { 1 + Float($0 % 5) } : nil
            let x0 = (0..<(heads * hd)).map { _ in rng.boundedGauss() }
            var x = x0
            if let ff { tk_rope(&x, Int64(heads), Int64(hd), Int64(nRot), Int64(pos), base, fscale, ff, Int32(neox)) }
            else { tk_rope(&x, Int64(heads), Int64(hd), Int64(nRot), Int64(pos), base, fscale, nil, Int32(neox)) }
            for h in 0..<heads {
                for i in 0..<(nRot / 2) {
                    let theta = Double(pos) * pow(Double(base), -2 * Double(i) / Double(nRot)) * Double(fscale) / Double(ff?[i] ?? 1)
                    let a = h * hd + (neox == 1 ? i : 2 * i), b = h * hd + (neox == 1 ? i + nRot / 2 : 2 * i + 1)
                    let wa = Double(x0[a]) * cos(theta) - Double(x0[b]) * sin(theta)
                    let wb = Double(x0[a]) * sin(theta) + Double(x0[b]) * cos(theta)
                    XCTAssertEqual(Double(x[a]), wa, accuracy: 2e-4, "head \(h) pair \(i)")
                    XCTAssertEqual(Double(x[b]), wb, accuracy: 2e-4, "head \(h) pair \(i)")
                }
                for d in nRot..<hd { XCTAssertEqual(x[h * hd + d], x0[h * hd + d], "unrotated dimension \(d)") }
            }
            // the per-forward table (tk_rope_cos_sin once, tk_rope_apply per layer) gives tk_rope's floats
            var cs = [Float](repeating: .nan, count: nRot), y = x0
            if let ff { tk_rope_cos_sin(&cs, Int64(nRot), Int64(pos), base, fscale, ff) }
            else { tk_rope_cos_sin(&cs, Int64(nRot), Int64(pos), base, fscale, nil) }
            tk_rope_apply(&y, Int64(heads), Int64(hd), Int64(nRot), cs, Int32(neox))
            XCTAssertEqual(y, x, "table path vs tk_rope, heads \(heads) nRot \(nRot) neox \(neox)")
        }
    }
}
