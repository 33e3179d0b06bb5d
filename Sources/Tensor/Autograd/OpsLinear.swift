// OpsLinear.swift: matrix products as forward + VJP pairs. Weights follow PyTorch's Linear:
// W is (out, in) and y = x · Wᵀ. Dimension names: N rows (tokens), K in-features, M out-features.
// Trainable f32 weights go through BLAS (tk_sgemm); a frozen stored weight (any ggml type, e.g. a
// QLoRA base) uses tk_matmul_exact forward and tk_matmul_exact_backward_x for dX (no dW).
import CKernels

extension Variable {
    /// The gradient buffer's pointer when this variable needs a gradient, else nil.
    public var gradPointer: UnsafeMutablePointer<Float>? { requiresGrad ? gradientBuffer().pointer : nil }
}

extension Tape {
    /// y (N, M) = x (N, K) · wᵀ, w (M, K). x may have more leading dimensions (flattened to N).
    public func linear(_ x: Variable, _ w: Variable) -> Variable {
        precondition(w.shape.count == 2, "linear: weight must be 2-D, got \(w.shape)")
        let M = w.shape[0], K = w.shape[1]
        precondition(x.shape.last == K, "linear: input \(x.shape) does not end in \(K)")
        let N = x.count / K
        let y = FloatTensor(zeros: Array(x.shape.dropLast()) + [M])                  // (N, M)
        tk_sgemm(0, 1, Int64(N), Int64(M), Int64(K), 1, x.value.pointer, Int64(K), w.value.pointer, Int64(K),
                 0, y.pointer, Int64(M))
        return record(y, inputs: [x, w]) { dy in
            if let dx = x.gradPointer {                                              // dX (N, K) += dY · W
                tk_sgemm(0, 0, Int64(N), Int64(K), Int64(M), 1, dy.pointer, Int64(M), w.value.pointer, Int64(K),
                         1, dx, Int64(K))
            }
            if let dw = w.gradPointer {                                              // dW (M, K) += dYᵀ · X
                tk_sgemm(1, 0, Int64(M), Int64(K), Int64(N), 1, dy.pointer, Int64(M), x.value.pointer, Int64(K),
                         1, dw, Int64(K))
            }
        }
    }

    /// y (N, M) = x (N, K) · Wᵀ for a frozen stored weight W (M, K) in any supported ggml type,
    /// dequantized block by block in f32 (exact path). Only x receives a gradient.
    public func linear(_ x: Variable, frozen w: WeightMatrix) -> Variable {
        let M = w.rows, K = w.cols
        precondition(x.shape.last == K, "linear: input \(x.shape) does not end in \(K)")
        let N = x.count / K
        let y = FloatTensor(zeros: Array(x.shape.dropLast()) + [M])                  // (N, M)
        let rc = tk_matmul_exact(w.data, w.type.rawValue, Int64(M), Int64(K), x.value.pointer, Int64(N), y.pointer, pool?.raw)
        precondition(rc == 0, "linear: unsupported weight type \(w.type)")
        return record(y, inputs: [x]) { [pool] dy in
            guard let dx = x.gradPointer else { return }                             // dX (N, K) += dY · W
            let rc = tk_matmul_exact_backward_x(w.data, w.type.rawValue, Int64(M), Int64(K), dy.pointer, Int64(N), dx, pool?.raw)
            precondition(rc == 0, "linear backward: unsupported weight type \(w.type)")
        }
    }

    /// y (N, C) = x (N, C) + b (C), b broadcast over rows.
    public func addBias(_ x: Variable, _ b: Variable) -> Variable {
        let C = b.count
        precondition(x.shape.last == C, "addBias: input \(x.shape) does not end in \(C)")
        let N = x.count / C
        let y = x.value.copy()
        tk_add_bias(y.pointer, b.value.pointer, Int64(N), Int64(C))
        return record(y, inputs: [x, b]) { dy in
            if let dx = x.gradPointer { tk_add(dx, dy.pointer, Int64(x.count)) }
            if let db = b.gradPointer {
                for r in 0..<N { tk_add(db, dy.pointer + r * C, Int64(C)) }           // db += Σ_rows dY
            }
        }
    }
}
