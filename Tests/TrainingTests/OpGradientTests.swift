// OpGradientTests.swift: ONE test that walks every autograd op and checks its VJP against central
// finite differences (GradCheckSupport.swift), on random inputs with the thread pool on.
// Tolerance: max |fd − analytic| ≤ 2e-3 × (largest |analytic| entry of that input). With h = 1e-2
// the central-difference truncation error is O(h²·|f'''|) ≈ 1e-4 relative for these smooth ops,
// and f32 rounding of the outputs (≈ 6e-8 relative each, probe summed in double over ≤ 1e3
// outputs) adds ≈ 1e-7·√N·|y|/2h ≈ 1e-4; 2e-3 leaves a margin of ~10× while still catching any
// wrong term (a wrong term shows up as an O(1) relative error).
import XCTest
import CKernels
import NN
import Tensor
@testable import Training

final class OpGradientTests: XCTestCase {
    static let tolerance = 2e-3

    func testEveryOpAgainstFiniteDifferences() throws {
        let pool = ThreadPool(threads: 2)
        var rng = SeededRNG(seed: 42)
        func v(_ shape: [Int], std: Float = 1, offset: Float = 0) -> Variable {
            Variable(shape: shape, values: rng.normals(shape.reduce(1, *), std: std).map { $0 + offset }, requiresGrad: true)
        }
        var report: [(String, GradCheckResult)] = []
        func check(_ name: String, _ inputs: [Variable], h: Float = 1e-2, _ f: @escaping (Tape) throws -> Variable) throws {
            let r = try GradCheck.run(name, inputs: inputs, pool: pool, h: h, f: f)
            report.append((name, r))
            XCTAssertLessThan(r.worst, Self.tolerance, name)
        }

        let x = v([6, 8]), w = v([5, 8], std: 0.5)
        try check("linear", [x, w]) { $0.linear(x, w) }
        let x3 = v([2, 3, 8])
        try check("linear (3-D input)", [x3, w]) { $0.linear(x3, w) }
        let b = v([5])
        try check("addBias", [x, b]) { t in t.addBias(t.linear(x, w), b) }
        for type in [GGMLType.f32, .f16, .q8_0] {
            let xq = v([20, 64]), wm = frozenWeight(rows: 12, cols: 64, type: type, rng: &rng)
            try check("linear frozen \(type)", [xq]) { $0.linear(xq, frozen: wm) }
        }
        let a = v([4, 6]), c = v([4, 6])
        try check("add", [a, c]) { $0.add(a, c) }
        try check("mul", [a, c]) { $0.mul(a, c) }
        try check("scale", [a]) { $0.scale(a, by: -1.7) }
        let g = v([5, 7], std: 2)
        try check("silu", [g]) { $0.silu(g) }
        let u = v([5, 7])
        try check("swiglu", [g, u]) { $0.swiglu(gate: g, up: u) }
        try check("reshape", [a]) { t in t.mul(t.reshape(a, [6, 4]), t.reshape(c, [6, 4])) }
        let w2 = v([3, 4])
        try check("transpose", [a, w2]) { t in t.linear(t.transpose(a), w2) }
        let table = v([11, 6])
        try check("embedding", [table]) { $0.embedding([3, 0, 10, 3, 7, 3], table) }
        let xn = v([7, 16], std: 2), wn = v([16], std: 0.2, offset: 1)
        try check("rmsNorm", [xn, wn]) { $0.rmsNorm(xn, weight: wn, eps: 1e-5) }
        let xr = v([6, 3 * 8])
        let positions = [0, 1, 2, 5, 17, 300]
        for spec in [RopeSpec(dimensions: 8, base: 10000, neox: false), RopeSpec(dimensions: 8, base: 1e6, neox: true),
                     RopeSpec(dimensions: 6, base: 500, positionScale: 0.5, frequencyFactors: [1, 2, 4], neox: false)] {
            try check("rope \(spec.neox ? "neox" : "normal") dims \(spec.dimensions)", [xr]) {
                $0.rope(xr, positions: positions, heads: 3, headDim: 8, spec: spec)
            }
        }
        for (H, Hkv) in [(4, 2), (3, 3), (4, 1)] {
            let B = 2, T = 5, Dh = 8
            let q = v([B * T, H * Dh]), k = v([B * T, Hkv * Dh]), vv = v([B * T, Hkv * Dh])
            try check("causalAttention H=\(H) Hkv=\(Hkv)", [q, k, vv]) {
                $0.causalAttention(q: q, k: k, v: vv, batch: B, heads: H, kvHeads: Hkv, headDim: Dh)
            }
        }
        let gr = v([6, 5])
        try check("gatherRows", [gr]) { $0.gatherRows(gr, rows: [4, 0, 4, 2]) }   // a row picked twice
        for (H, Hkv, P) in [(4, 2, 3), (2, 1, 1)] {
            let B = 2, T = 4, Dh = 8
            let q = v([B * T, H * Dh]), k = v([B * (P + T), Hkv * Dh]), vv = v([B * (P + T), Hkv * Dh])
            try check("causalAttention prefix P=\(P) H=\(H) Hkv=\(Hkv)", [q, k, vv]) {
                $0.causalAttention(q: q, k: k, v: vv, batch: B, heads: H, kvHeads: Hkv, headDim: Dh, prefix: P)
            }
        }
        let pre = v([3, 6]), rows = v([2 * 4, 6])
        try check("prependRows", [pre, rows]) { $0.prependRows(pre, to: rows, batch: 2) }
        let long = v([2 * 7, 6])
        try check("dropLeadingRows", [long]) { $0.dropLeadingRows(long, count: 3, batch: 2) }
        let sc = v([6], offset: 1)
        try check("scaleColumns", [rows, sc]) { $0.scaleColumns(rows, sc) }
        try check("tanh", [rows]) { $0.tanh(rows) }
        try check("sliceColumns", [rows]) { $0.sliceColumns(rows, start: 2, count: 3) }
        let logits = v([7, 13], std: 2)
        let targets: [Int32] = [3, -100, 12, 0, -100, 5, 5]
        try check("crossEntropy", [logits]) { try $0.crossEntropy(logits, targets: targets) }

        let covered = Set(report.map { String($0.0.split(separator: " ")[0]) })
        XCTAssertEqual(covered, ["linear", "addBias", "add", "mul", "scale", "silu", "swiglu", "reshape", "transpose",
                                 "embedding", "rmsNorm", "rope", "causalAttention", "crossEntropy", "prependRows",
                                 "dropLeadingRows", "scaleColumns", "tanh", "sliceColumns", "gatherRows"])
        for (n, r) in report { print(String(format: "grad check %-32@ worst %.2e over %d elements", n as NSString, r.worst, r.checked)) }
    }

    /// A frozen (rows, cols) weight of `type` from random values (Q8_0 blocks via the Q8_0 quantizer).
    func frozenWeight(rows: Int, cols: Int, type: GGMLType, rng: inout SeededRNG) -> WeightMatrix {
        let vals = rng.normals(rows * cols, std: 0.3)
        let bytes = UnsafeMutableRawPointer.allocate(byteCount: type.byteCount(elements: rows * cols)!, alignment: 64)
        vals.withUnsafeBufferPointer { p in
            switch type {
            case .f32: bytes.copyMemory(from: p.baseAddress!, byteCount: rows * cols * 4)
            case .f16: tk_f32_to_f16_row(p.baseAddress!, bytes.assumingMemoryBound(to: UInt16.self), Int64(rows * cols))
            default: tk_quantize_row_q8_0(p.baseAddress!, bytes, Int64(rows * cols))
            }
        }
        return WeightMatrix(data: UnsafeRawPointer(bytes), type: type, rows: rows, cols: cols, owner: nil)
    }
}
