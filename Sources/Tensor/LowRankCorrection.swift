// LowRankCorrection.swift: a weight's low-rank additive correction kept unmerged, W' = W + s·B·A,
// applied beside the stored (possibly quantized) product: y = x·Wᵀ + s·(x·Aᵀ)·Bᵀ. This is how a
// LoRA adapter runs at full inference speed on a quantized base (as llama.cpp applies GGUF LoRA
// adapters): the base keeps its packed int8 kernels; the correction costs 2·r·(in + out) flops
// per token in BLAS. Shapes: A (r, in), B (out, r), row-major.
import CKernels

public final class LowRankCorrection: @unchecked Sendable {
    public let rank: Int
    public let scale: Float
    /// (r, cols)
    public let a: [Float]
    /// (rows, r)
    public let b: [Float]

    public init(a: [Float], b: [Float], rank: Int, scale: Float) {
        precondition(rank > 0 && a.count % rank == 0 && b.count % rank == 0, "A and B must have \(rank) rows/columns")
        self.a = a; self.b = b; self.rank = rank; self.scale = scale
    }

    /// cols (the input width)
    public var cols: Int { a.count / rank }
    /// rows (the output width)
    public var rows: Int { b.count / rank }

    /// y(tokens, rows) += s·(x(tokens, cols)·Aᵀ)·Bᵀ.
    public func add(_ x: UnsafePointer<Float>, tokens: Int, into y: UnsafeMutablePointer<Float>) {
        let r = rank, k = cols, m = rows
        withUnsafeTemporaryAllocation(of: Float.self, capacity: tokens * r) { t in
            a.withUnsafeBufferPointer { ap in
                // t(tokens, r) = x · Aᵀ
                tk_sgemm(0, 1, Int64(tokens), Int64(r), Int64(k), 1, x, Int64(k), ap.baseAddress!, Int64(k), 0, t.baseAddress!, Int64(r))
            }
            b.withUnsafeBufferPointer { bp in
                // y(tokens, rows) += s · t · Bᵀ
                tk_sgemm(0, 1, Int64(tokens), Int64(m), Int64(r), scale, t.baseAddress!, Int64(r), bp.baseAddress!, Int64(r), 1, y, Int64(m))
            }
        }
    }

    /// Row i of s·B·A added into `out` (cols floats).
    public func addRow(_ i: Int, into out: UnsafeMutablePointer<Float>) {
        let r = rank, k = cols
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                // out(1, cols) += s · B[i, :] · A
                tk_sgemm(0, 0, 1, Int64(k), Int64(r), scale, bp.baseAddress! + i * r, Int64(r), ap.baseAddress!, Int64(k), 1, out, Int64(k))
            }
        }
    }
}
