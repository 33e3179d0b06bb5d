// RMSNorm.swift: root-mean-square layer norm, y = x / sqrt(mean(x²) + eps) · w, per row.
import CKernels

public struct RMSNorm: Sendable {
    public let weight: [Float]
    public let eps: Float

    public init(weight: [Float], eps: Float) {
        self.weight = weight
        self.eps = eps
    }

    /// Normalizes `tokens` rows of `weight.count` floats from x into y (may alias).
    public func callAsFunction(_ x: UnsafePointer<Float>, tokens: Int, into y: UnsafeMutablePointer<Float>) {
        let n = weight.count
        weight.withUnsafeBufferPointer { w in
            for t in 0..<tokens { tk_rmsnorm(y + t * n, x + t * n, w.baseAddress, Int64(n), eps) }
        }
    }
}
