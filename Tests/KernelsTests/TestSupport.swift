// TestSupport.swift: shared helpers for the CKernels tests — type table, fixture loading and
// random-but-sane quantized weight rows (seeded random numbers come from the TestSupport target).
import CKernels
import Foundation
import XCTest
@_exported import TestSupport

/// A ggml type as the tests see it: id, name, and where its f16 scale fields sit in a block.
struct QType {
    let name: String
    let id: Int32
    let scaleOffsets: [Int]  // byte offsets of f16 scale/min fields inside one block

    var blockElems: Int { Int(tk_type_block_elems(id)) }
    var blockBytes: Int { Int(tk_type_block_bytes(id)) }

    static func make(_ name: String, _ t: tk_type, _ offs: [Int] = []) -> QType {
        QType(name: name, id: Int32(t.rawValue), scaleOffsets: offs)
    }

    static let f32 = make("F32", TK_F32)
    static let f16 = make("F16", TK_F16)
    static let bf16 = make("BF16", TK_BF16)
    static let q4_0 = make("Q4_0", TK_Q4_0, [0])
    static let q4_1 = make("Q4_1", TK_Q4_1, [0, 2])
    static let q5_0 = make("Q5_0", TK_Q5_0, [0])
    static let q5_1 = make("Q5_1", TK_Q5_1, [0, 2])
    static let q8_0 = make("Q8_0", TK_Q8_0, [0])
    static let q2_K = make("Q2_K", TK_Q2_K, [80, 82])
    static let q3_K = make("Q3_K", TK_Q3_K, [108])
    static let q4_K = make("Q4_K", TK_Q4_K, [0, 2])
    static let q5_K = make("Q5_K", TK_Q5_K, [0, 2])
    static let q6_K = make("Q6_K", TK_Q6_K, [208])

    static let all: [QType] = [f32, f16, bf16, q4_0, q4_1, q5_0, q5_1, q8_0, q2_K, q3_K, q4_K, q5_K, q6_K]
}

enum Fixtures {
    static let dir = TestAssets.fixtures.appendingPathComponent("quants")

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: dir.appendingPathComponent(name)))
    }

    static func floats(_ name: String) throws -> [Float] {
        let b = try bytes(name)
        return b.withUnsafeBytes { raw in
            (0..<(b.count / 4)).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) }
        }
    }
}

/// `rows` weight rows of `cols` elements in type `t`: random bytes with sane f16 scales for the
/// quantized types, random floats for the float types.
func randomWeights(_ t: QType, rows: Int, cols: Int, rng: inout SeededRNG) -> [UInt8] {
    let n = rows * cols
    switch t.id {
    case QType.f32.id:
        let v = (0..<n).map { _ in rng.boundedGauss() * 0.1 }
        return v.withUnsafeBytes { [UInt8]($0) }
    case QType.f16.id, QType.bf16.id:
        let v: [UInt16] = (0..<n).map { _ in
            let x = rng.boundedGauss() * 0.1
            return t.id == QType.f16.id ? tk_f32_to_f16(x) : tk_f32_to_bf16(x)
        }
        return v.withUnsafeBytes { [UInt8]($0) }
    default:
        let nblocks = n / t.blockElems
        var b = (0..<(nblocks * t.blockBytes)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for blk in 0..<nblocks {
            for off in t.scaleOffsets {
                let mag = Float.random(in: 0.001...0.05, using: &rng)
                let v = (Bool.random(using: &rng) && off == t.scaleOffsets[0]) ? -mag : mag
                let h = tk_f32_to_f16(v)
                b[blk * t.blockBytes + off] = UInt8(h & 0xff)
                b[blk * t.blockBytes + off + 1] = UInt8(h >> 8)
            }
        }
        return b
    }
}

func dequantize(_ t: QType, _ bytes: [UInt8], count: Int) -> [Float] {
    var out = [Float](repeating: .nan, count: count)
    let rc = bytes.withUnsafeBytes { tk_dequantize_row(t.id, $0.baseAddress, &out, Int64(count)) }
    precondition(rc == 0, "dequantize \(t.name) failed")
    return out
}
