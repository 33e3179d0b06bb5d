// AttentionTests.swift: tk_attention (inference, over a KV cache) against a float64 causal GQA
// reference, with f32 and f16 caches. With an f16 cache the reference rounds q and the softmax
// probabilities to f16 where the kernel does (llama.cpp's f16 products); everything else is
// exact math. Chunk sizes cover the per-row path (one token: decode), the blocked BLAS path
// (several tokens) with tiles that do not divide the chunk, a cache already holding earlier
// positions (pos0 > 0), group sizes 1, 3 and 4, and 1-3 pool threads.
import CKernels
import Foundation
import XCTest

final class AttentionTests: XCTestCase {
    private func f16(_ x: Float) -> Float { tk_f16_to_f32(tk_f32_to_f16(x)) }

    /// out (ntok, H, Dh) in float64 for queries at positions pos0..<pos0+ntok.
    private func reference(q: [Float], k: [Float], v: [Float], ntok: Int, H: Int, Hkv: Int, Dh: Int, pos0: Int,
                           roundF16: Bool) -> [Double] {
        let group = H / Hkv, scale = 1 / Double(Dh).squareRoot()
        var out = [Double](repeating: 0, count: ntok * H * Dh)
        for t in 0..<ntok {
            for h in 0..<H {
                let hk = h / group, n = pos0 + t + 1
                let qr = (0..<Dh).map { d -> Double in
                    let x = q[(t * H + h) * Dh + d]
                    return Double(roundF16 ? f16(x) : x)
                }
                var s = (0..<n).map { j -> Double in
                    var dot = 0.0
                    for d in 0..<Dh { dot += qr[d] * Double(k[(j * Hkv + hk) * Dh + d]) }
                    return dot * scale
                }
                let mx = s.max()!
                s = s.map { Foundation.exp($0 - mx) }
                let sum = s.reduce(0, +)
                s = s.map { roundF16 ? Double(f16(Float($0 / sum))) : $0 / sum }
                for d in 0..<Dh {
                    var o = 0.0
                    for j in 0..<n { o += s[j] * Double(v[(j * Hkv + hk) * Dh + d]) }
                    out[(t * H + h) * Dh + d] = o
                }
            }
        }
        return out
    }

    func testAttentionMatchesFloat64Reference() {
        var rng = SeededRNG(seed: 7)
        let cases: [(H: Int, Hkv: Int, Dh: Int, pos0: Int, ntok: Int)] = [
            (9, 3, 64, 0, 1), (9, 3, 64, 5, 1), (9, 3, 64, 0, 37), (9, 3, 64, 20, 53),
            (4, 4, 32, 3, 17), (8, 2, 48, 0, 6), (8, 2, 48, 11, 40),
        ]
        for threads: Int32 in [1, 2, 3] {
            let pool = tk_pool_create(threads)
            defer { tk_pool_destroy(pool) }
            for c in cases {
                for kvF16 in [false, true] {
                    let positions = c.pos0 + c.ntok, kvCount = positions * c.Hkv * c.Dh
                    var k = (0..<kvCount).map { _ in rng.boundedGauss() * 2 }
                    var v = (0..<kvCount).map { _ in rng.boundedGauss() }
                    if kvF16 { k = k.map(f16); v = v.map(f16) }
                    let q = (0..<(c.ntok * c.H * c.Dh)).map { _ in rng.boundedGauss() * 2 }
                    let want = reference(q: q, k: k, v: v, ntok: c.ntok, H: c.H, Hkv: c.Hkv, Dh: c.Dh, pos0: c.pos0,
                                         roundF16: kvF16)
                    var out = [Float](repeating: .nan, count: q.count)
                    var scratch = [Float](repeating: 0, count: Int(threads) * positions)
                    let kh = k.map { tk_f32_to_f16($0) }, vh = v.map { tk_f32_to_f16($0) }
                    let scale = 1 / Float(c.Dh).squareRoot()
                    if kvF16 {
                        tk_attention(&out, q, kh, vh, 1, Int64(c.ntok), Int64(c.H), Int64(c.Hkv), Int64(c.Dh), Int64(c.pos0),
                                     scale, &scratch, Int64(positions), pool)
                    } else {
                        tk_attention(&out, q, k, v, 0, Int64(c.ntok), Int64(c.H), Int64(c.Hkv), Int64(c.Dh), Int64(c.pos0),
                                     scale, &scratch, Int64(positions), pool)
                    }
                    var worst = 0.0
                    for i in out.indices { worst = max(worst, abs(Double(out[i]) - want[i])) }
                    // f16 rounding of the probabilities is applied to nearly equal values on both
                    // sides; a probability on a rounding boundary can still round the other way.
                    XCTAssertLessThan(worst, kvF16 ? 2e-3 : 2e-5, "threads \(threads) \(c) f16 \(kvF16)")
                }
            }
        }
    }
    /// tk_attention_decode: one token per sequence, each over its own cache of a different length,
    /// in one pool run; every (sequence, KV head) job against the same float64 reference.
    func testDecodeAttentionOverSeveralCachesMatchesReference() {
        var rng = SeededRNG(seed: 9)
        defer { tk_set_cpu_features_mask(-1) }
        for (threads, mask): (Int32, Int32) in [(1, -1), (2, -1), (3, -1), (1, 1), (2, 1)] {  // mask 1: the AVX2 kernel
            tk_set_cpu_features_mask(mask)
            let pool = tk_pool_create(threads)
            defer { tk_pool_destroy(pool) }
            for (H, Hkv, Dh) in [(9, 3, 64), (4, 4, 32), (8, 2, 48), (8, 1, 128), (12, 2, 16)] {
                for kvF16 in [false, true] {
                    let lengths = [1, 7, 40, 130]  // positions each cache holds, the new token included
                    var ks: [[Float]] = [], vs: [[Float]] = [], want: [Double] = []
                    let q = (0..<(lengths.count * H * Dh)).map { _ in rng.boundedGauss() * 2 }
                    for (s, n) in lengths.enumerated() {
                        var k = (0..<(n * Hkv * Dh)).map { _ in rng.boundedGauss() * 2 }
                        var v = (0..<(n * Hkv * Dh)).map { _ in rng.boundedGauss() }
                        if kvF16 { k = k.map(f16); v = v.map(f16) }
                        ks.append(k); vs.append(v)
                        want += reference(q: Array(q[(s * H * Dh)..<((s + 1) * H * Dh)]), k: k, v: v, ntok: 1, H: H, Hkv: Hkv,
                                          Dh: Dh, pos0: n - 1, roundF16: kvF16)
                    }
                    let kh = ks.map { $0.map { tk_f32_to_f16($0) } }, vh = vs.map { $0.map { tk_f32_to_f16($0) } }
                    var out = [Float](repeating: .nan, count: q.count)
                    var counts = lengths.map { Int64($0) }
                    let rc: Int32 = kvF16
                        ? withPointers(kh, vh) { kp, vp in
                            tk_attention_decode(&out, q, kp, vp, &counts, Int64(lengths.count), 1, Int64(H), Int64(Hkv), Int64(Dh),
                                                1 / Float(Dh).squareRoot(), pool) }
                        : withPointers(ks, vs) { kp, vp in
                            tk_attention_decode(&out, q, kp, vp, &counts, Int64(lengths.count), 0, Int64(H), Int64(Hkv), Int64(Dh),
                                                1 / Float(Dh).squareRoot(), pool) }
                    let f = tk_cpu_features_active()
                    if f & 2 == 0 && !(f & 1 != 0 && kvF16) { XCTAssertEqual(rc, -1); continue }  // no kernel: caller falls back
                    XCTAssertEqual(rc, 0)
                    var worst = 0.0
                    for i in out.indices { worst = max(worst, abs(Double(out[i]) - want[i])) }
                    XCTAssertLessThan(worst, kvF16 ? 2e-3 : 2e-5, "mask \(mask) threads \(threads) H \(H) Hkv \(Hkv) Dh \(Dh) f16 \(kvF16)")
                    // Warming "next layer" caches (here the same ones) changes no float.
                    var warmed = [Float](repeating: .nan, count: q.count)
                    let rcWarm: Int32 = kvF16
                        ? withPointers(kh, vh) { kp, vp in
                            tk_attention_decode_warm(&warmed, q, kp, vp, kp, vp, &counts, Int64(lengths.count), 1, Int64(H), Int64(Hkv),
                                                     Int64(Dh), 1 / Float(Dh).squareRoot(), pool) }
                        : withPointers(ks, vs) { kp, vp in
                            tk_attention_decode_warm(&warmed, q, kp, vp, kp, vp, &counts, Int64(lengths.count), 0, Int64(H), Int64(Hkv),
                                                     Int64(Dh), 1 / Float(Dh).squareRoot(), pool) }
                    XCTAssertEqual(rcWarm, 0)
                    XCTAssertEqual(warmed, out, "warm: mask \(mask) threads \(threads) H \(H) f16 \(kvF16)")
                }
            }
        }
    }

    /// Chunked prefill (tiled kernel), token-by-token attention (per-row path) and the decode
    /// kernel must give the same floats: chat KV-cache reuse and chunked prefill depend on it.
    func testChunkedTokenByTokenAndDecodeAttentionAreBitIdentical() {
        var rng = SeededRNG(seed: 21)
        let pool = tk_pool_create(2)
        defer { tk_pool_destroy(pool); tk_set_cpu_features_mask(-1) }
        for mask: Int32 in [-1, 1] {  // 1: the AVX2 kernels on an AVX-512 machine
        tk_set_cpu_features_mask(mask)
        for (H, Hkv, Dh) in [(9, 3, 64), (8, 2, 32), (4, 1, 128), (6, 6, 48)] {
            for kvF16 in [false, true] {
                let pos0 = 70, ntok = 75, positions = pos0 + ntok, kvCount = positions * Hkv * Dh  // three 64-key chunks
                let k = (0..<kvCount).map { _ in rng.boundedGauss() * 2 }, v = (0..<kvCount).map { _ in rng.boundedGauss() }
                let kh = k.map { tk_f32_to_f16($0) }, vh = v.map { tk_f32_to_f16($0) }
                let q = (0..<(ntok * H * Dh)).map { _ in rng.boundedGauss() * 2 }
                let scale = 1 / Float(Dh).squareRoot(), f: Int32 = kvF16 ? 1 : 0
                var scratch = [Float](repeating: 0, count: 2 * positions)
                func attend(_ out: UnsafeMutablePointer<Float>, _ q: UnsafePointer<Float>, _ n: Int, _ p0: Int) {
                    if kvF16 { tk_attention(out, q, kh, vh, f, Int64(n), Int64(H), Int64(Hkv), Int64(Dh), Int64(p0), scale, &scratch, Int64(positions), pool) }
                    else { tk_attention(out, q, k, v, f, Int64(n), Int64(H), Int64(Hkv), Int64(Dh), Int64(p0), scale, &scratch, Int64(positions), pool) }
                }
                var chunk = [Float](repeating: .nan, count: q.count), single = chunk, decoded = chunk
                attend(&chunk, q, ntok, pos0)
                for t in 0..<ntok {
                    q.withUnsafeBufferPointer { qp in single.withUnsafeMutableBufferPointer { o in
                        attend(o.baseAddress! + t * H * Dh, qp.baseAddress! + t * H * Dh, 1, pos0 + t)
                    } }
                    var counts = [Int64(pos0 + t + 1)]
                    let rc: Int32 = q.withUnsafeBufferPointer { qp in decoded.withUnsafeMutableBufferPointer { o in
                        kvF16 ? withPointers([kh], [vh]) { kp, vp in
                            tk_attention_decode(o.baseAddress! + t * H * Dh, qp.baseAddress! + t * H * Dh, kp, vp, &counts, 1, f,
                                                Int64(H), Int64(Hkv), Int64(Dh), scale, pool) }
                        : withPointers([k], [v]) { kp, vp in
                            tk_attention_decode(o.baseAddress! + t * H * Dh, qp.baseAddress! + t * H * Dh, kp, vp, &counts, 1, f,
                                                Int64(H), Int64(Hkv), Int64(Dh), scale, pool) }
                    } }
                    if rc != 0 { decoded.replaceSubrange((t * H * Dh)..<((t + 1) * H * Dh), with: single[(t * H * Dh)..<((t + 1) * H * Dh)]) }
                }
                XCTAssertEqual(chunk, single, "H \(H) Hkv \(Hkv) Dh \(Dh) f16 \(kvF16): chunk vs token by token")
                XCTAssertEqual(decoded, single, "mask \(mask) H \(H) Hkv \(Hkv) Dh \(Dh) f16 \(kvF16): decode kernel vs per-row")
            }
        }
        }
    }

    /// Calls `body` with C arrays of base pointers of `a` and `b`'s rows.
    private func withPointers<T, R>(_ a: [[T]], _ b: [[T]], _ body: (UnsafeMutablePointer<UnsafeRawPointer?>, UnsafeMutablePointer<UnsafeRawPointer?>) -> R) -> R {
        let pa = a.map { rows -> UnsafeMutableRawPointer in
            let p = UnsafeMutableRawPointer.allocate(byteCount: max(1, rows.count * MemoryLayout<T>.stride), alignment: 64)
            rows.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            return p
        }
        let pb = b.map { rows -> UnsafeMutableRawPointer in
            let p = UnsafeMutableRawPointer.allocate(byteCount: max(1, rows.count * MemoryLayout<T>.stride), alignment: 64)
            rows.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            return p
        }
        defer { (pa + pb).forEach { $0.deallocate() } }
        var ka = pa.map { UnsafeRawPointer($0) as UnsafeRawPointer? }, kb = pb.map { UnsafeRawPointer($0) as UnsafeRawPointer? }
        return body(&ka, &kb)
    }
}
