// Vectors.swift: small vector helpers over the CKernels SIMD dot products.
import CKernels

/// Dot products, norms and cosine similarity of f32 vectors (SIMD in CKernels).
public enum Vectors {
    /// a · b.
    public static func dot(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "dot: \(a.count) vs \(b.count) dimensions")
        return tk_dot_f32(a, b, Int64(a.count))
    }

    /// Scales `v` to unit L2 norm (as torch.nn.functional.normalize).
    public static func normalize(_ v: inout [Float]) {
        let n = Int64(v.count)
        v.withUnsafeMutableBufferPointer { tk_l2_normalize_rows($0.baseAddress!, 1, n) }
    }

    /// Cosine similarity (0 when either vector is zero).
    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        let na = dot(a, a), nb = dot(b, b)
        guard na > 0, nb > 0 else { return 0 }
        return dot(a, b) / (na.squareRoot() * nb.squareRoot())
    }
}
