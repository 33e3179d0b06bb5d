// WeightQuantizerTests.swift: tk_quantize_weights against gguf-py's bit-exact implementations of
// ggml's reference quantizers (what llama-quantize writes), on blocks with edge cases.
import CKernels
import Foundation
import XCTest

final class WeightQuantizerTests: XCTestCase {
    func testMatchesGGUFReferenceBlocks() throws {
        let src = try Fixtures.floats("weights-src.f32")
        // largest error per block as a fraction of its max |x| (half a step, plus the f16 rounding of the
        // scale, with an absolute floor for f16-subnormal scales; the clamp at the top level of
        // Q4_0/Q5_0 costs one full step: amax/8 and amax/16)
        let bound: [String: Float] = ["Q4_0": 0.126, "Q4_1": 0.067, "Q5_0": 0.063, "Q5_1": 0.033, "Q8_0": 0.0045]
        for (name, type) in [("Q4_0", TK_Q4_0), ("Q4_1", TK_Q4_1), ("Q5_0", TK_Q5_0), ("Q5_1", TK_Q5_1), ("Q8_0", TK_Q8_0)] {
            let want = try Fixtures.bytes("weights-\(name).bin")
            var got = [UInt8](repeating: 0, count: want.count)
            XCTAssertEqual(tk_quantize_weights(Int32(type.rawValue), src, &got, Int64(src.count)), 0)
            XCTAssertEqual(got, want, name)
            // and dequantizing gives back values within half a quantization step of the input
            var back = [Float](repeating: 0, count: src.count)
            XCTAssertEqual(tk_dequantize_row(Int32(type.rawValue), got, &back, Int64(src.count)), 0)
            for b in 0..<src.count / 32 {
                let block = b * 32..<(b + 1) * 32
                let amax = block.map { abs(src[$0]) }.max()!
                let worst = block.map { abs(back[$0] - src[$0]) }.max()!
                XCTAssertLessThanOrEqual(worst, bound[name]! * amax * 1.001 + 5e-6, "\(name) block \(b)")
            }
        }
        var sink = [UInt8](repeating: 0, count: 400)
        XCTAssertEqual(tk_quantize_weights(Int32(TK_Q8_K.rawValue), src, &sink, 256), -1, "Q8_K is an activation type, not produced here")
        XCTAssertEqual(tk_quantize_weights(Int32(TK_Q4_K.rawValue), src, &sink, 128), -1, "partial super-block")
        XCTAssertEqual(tk_quantize_weights(Int32(TK_Q4_0.rawValue), src, &sink, 31), -1, "partial block")
    }
}
