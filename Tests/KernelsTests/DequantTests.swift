// DequantTests.swift: tk_dequantize_row and the f32 -> f16/bf16/Q8_0 converters against the
// gguf-py fixtures in Tests/Fixtures/quants (see scripts/make_quant_fixtures.py). Bit-exact.
import CKernels
import XCTest

final class DequantTests: XCTestCase {
    func testDequantizeMatchesGGUFReferenceBitExact() throws {
        for t in QType.all {
            let blocks = try Fixtures.bytes("\(t.name).bin")
            let expected = try Fixtures.floats("\(t.name).f32")
            XCTAssertEqual(blocks.count / t.blockBytes * t.blockElems, expected.count, t.name)
            XCTAssertEqual(tk_type_supported(t.id), 1, t.name)
            let got = dequantize(t, blocks, count: expected.count)
            var bad = 0
            for i in 0..<expected.count where got[i].bitPattern != expected[i].bitPattern {
                if bad < 5 { XCTFail("\(t.name)[\(i)]: got \(got[i]), expected \(expected[i])") }
                bad += 1
            }
            XCTAssertEqual(bad, 0, "\(t.name): \(bad) mismatches")
        }
    }

    func testUnsupportedTypeIsRejected() {
        var out = [Float](repeating: 0, count: 32)
        let src = [UInt8](repeating: 0, count: 64)
        XCTAssertEqual(tk_dequantize_row(20, src, &out, 32), -1)  // IQ4_NL: not supported
        XCTAssertEqual(tk_type_supported(20), 0)
        XCTAssertEqual(tk_dequantize_row(Int32(TK_Q4_0.rawValue), src, &out, 31), -1)
    }

    func testF32ToF16AndBF16MatchNumpy() throws {
        for (t, conv) in [(QType.f16, tk_f32_to_f16), (QType.bf16, tk_f32_to_bf16)] as [(QType, (Float) -> UInt16)] {
            let src = try Fixtures.floats("\(t.name).src.f32")
            let bits = try Fixtures.bytes("\(t.name).bin")
            for i in 0..<src.count {
                let want = UInt16(bits[2 * i]) | UInt16(bits[2 * i + 1]) << 8
                XCTAssertEqual(conv(src[i]), want, "\(t.name) of \(src[i])")
            }
        }
        // Row versions (F16C path when available) agree with the scalar ones.
        let src = try Fixtures.floats("F16.src.f32")
        var h = [UInt16](repeating: 0, count: src.count)
        tk_f32_to_f16_row(src, &h, Int64(src.count))
        XCTAssertEqual(h, src.map { tk_f32_to_f16($0) })
        // In-place rounding to f16 precision (the attention's q and probabilities) equals the
        // scalar round trip, odd lengths included.
        var r = Array(src.prefix(1001))
        tk_round_f16_row(&r, Int64(r.count))
        XCTAssertEqual(r.map(\.bitPattern), src.prefix(1001).map { tk_f16_to_f32(tk_f32_to_f16($0)).bitPattern })
    }

    func testF16ConversionExhaustive() {
        var halves = [UInt16](0...UInt16.max)
        var viaRow = [Float](repeating: 0, count: halves.count)
        tk_f16_to_f32_row(&halves, &viaRow, Int64(halves.count))
        var bad = 0
        for h in halves {
            let f = tk_f16_to_f32(h)
            if f.isNaN { continue }
            if viaRow[Int(h)].bitPattern != f.bitPattern { bad += 1 }  // F16C vs scalar
            if tk_f32_to_f16(f) != h { bad += 1 }                      // round trip
            #if !(os(macOS) && arch(x86_64))
            if Float(Float16(bitPattern: h)).bitPattern != f.bitPattern { bad += 1 }
            #endif
        }
        XCTAssertEqual(bad, 0)
        #if !(os(macOS) && arch(x86_64))
        var rng = SeededRNG(seed: 7)
        bad = 0
        for _ in 0..<200_000 {  // random f32 bit patterns around the f16 range, incl. subnormals
            let e = UInt32.random(in: 90...150, using: &rng), m = UInt32.random(in: 0..<(1 << 23), using: &rng)
            let f = Float(bitPattern: (UInt32.random(in: 0...1, using: &rng) << 31) | (e << 23) | m)
            if tk_f32_to_f16(f) != Float16(f).bitPattern { bad += 1 }
        }
        XCTAssertEqual(bad, 0)
        #endif
    }

    func testQ8_0ActivationQuantizerMatchesGGUF() throws {
        // gguf-py's Q8_0 quantizer is bit-exact with ggml's quantize_row_q8_0_ref.
        let src = try Fixtures.floats("Q8_0.src.f32")
        let want = try Fixtures.bytes("Q8_0.bin")
        for mask: Int32 in [0, -1] {  // portable and SIMD quantizers
            tk_set_cpu_features_mask(mask)
            var got = [UInt8](repeating: 0, count: want.count)
            tk_quantize_row_q8_0(src, &got, Int64(src.count))
            XCTAssertEqual(got, want, "mask \(mask)")
        }
        tk_set_cpu_features_mask(-1)
    }

    func testQ8_1AndQ8_KMatchGGMLReferenceTranscription() throws {
        // Fixtures from numpy transcriptions of ggml's quantize_row_q8_1_ref / q8_K_ref.
        for (name, quant) in [("Q8_1", tk_quantize_row_q8_1), ("Q8_K", tk_quantize_row_q8_K)]
            as [(String, (UnsafePointer<Float>?, UnsafeMutableRawPointer?, Int64) -> Void)] {
            let src = try Fixtures.floats("\(name).src.f32")
            let want = try Fixtures.bytes("\(name).bin")
            for mask: Int32 in [0, -1] {
                tk_set_cpu_features_mask(mask)
                var got = [UInt8](repeating: 0, count: want.count)
                quant(src, &got, Int64(src.count))
                XCTAssertEqual(got, want, "\(name) mask \(mask)")
            }
        }
        tk_set_cpu_features_mask(-1)
    }

    func testSIMDActivationQuantizersMatchPortableBitExact() {
        var rng = SeededRNG(seed: 23)
        var x = (0..<4096).map { _ in rng.boundedGauss() * Float.random(in: 1e-3...30, using: &rng) }
        for i in 0..<256 { x[i] = Float(i % 9) * 0.25 - 1 }  // exact .5 ties after scaling
        x[300] = -x[301]                                      // magnitude tie, opposite signs
        for i in 512..<768 { x[i] = 0 }                        // zero blocks
        func quantize(_ mask: Int32) -> [[UInt8]] {
            tk_set_cpu_features_mask(mask)
            defer { tk_set_cpu_features_mask(-1) }
            var a = [UInt8](repeating: 0, count: 128 * 34), b = [UInt8](repeating: 0, count: 128 * 36)
            var c = [UInt8](repeating: 0, count: 16 * 292)
            tk_quantize_row_q8_0(x, &a, 4096)
            tk_quantize_row_q8_1(x, &b, 4096)
            tk_quantize_row_q8_K(x, &c, 4096)
            return [a, b, c]
        }
        XCTAssertEqual(quantize(0), quantize(-1))
    }

    func testQ8_1AndQ8_KQuantizersAreConsistent() {
        var rng = SeededRNG(seed: 11)
        let x = (0..<512).map { _ in rng.boundedGauss() * Float.random(in: 0.01...3, using: &rng) }
        var q80 = [UInt8](repeating: 0, count: 16 * 34), q81 = [UInt8](repeating: 0, count: 16 * 36)
        tk_quantize_row_q8_0(x, &q80, 512)
        tk_quantize_row_q8_1(x, &q81, 512)
        for b in 0..<16 {  // same d and qs; s = f16(d * sum(qs))
            XCTAssertEqual(q80[b * 34..<b * 34 + 2], q81[b * 36..<b * 36 + 2])
            XCTAssertEqual(q80[b * 34 + 2..<b * 34 + 34], q81[b * 36 + 4..<b * 36 + 36])
            let sum = q81[b * 36 + 4..<b * 36 + 36].reduce(0) { $0 + Int(Int8(bitPattern: $1)) }
            let d = tk_f16_to_f32(UInt16(q81[b * 36]) | UInt16(q81[b * 36 + 1]) << 8)
            let s = tk_f16_to_f32(UInt16(q81[b * 36 + 2]) | UInt16(q81[b * 36 + 3]) << 8)
            XCTAssertEqual(abs(s - Float(sum) * d), 0, accuracy: abs(Float(sum) * d) * 1e-3 + 1e-7)
        }
        var q8k = [UInt8](repeating: 0, count: 2 * 292)
        tk_quantize_row_q8_K(x, &q8k, 512)
        let deq = dequantize(QType.make("Q8_K", TK_Q8_K), q8k, count: 512)
        for b in 0..<2 {
            let amax = x[b * 256..<b * 256 + 256].map { abs($0) }.max()!
            for i in b * 256..<b * 256 + 256 { XCTAssertEqual(deq[i], x[i], accuracy: amax / 127 * 0.5001) }
            for g in 0..<16 {  // bsums
                let off = b * 292 + 4
                let sum = (0..<16).reduce(0) { $0 + Int(Int8(bitPattern: q8k[off + g * 16 + $1])) }
                let bs = Int16(bitPattern: UInt16(q8k[off + 256 + 2 * g]) | UInt16(q8k[off + 256 + 2 * g + 1]) << 8)
                XCTAssertEqual(Int(bs), sum)
            }
        }
    }
}
