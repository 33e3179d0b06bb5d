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
        let y = FloatTensor(uninitialized: Array(x.shape.dropLast()) + [M])          // (N, M)
        tk_sgemm_pool(0, 1, Int64(N), Int64(M), Int64(K), 1, x.value.pointer, Int64(K), w.value.pointer, Int64(K),
                      0, y.pointer, Int64(M), pool?.raw)
        return record(y, inputs: [x, w]) { [pool] dy in
            if x.requiresGrad {                                                      // dX (N, K) += dY · W
                let (dx, fresh) = x.gradientBufferForWrite()
                tk_sgemm_pool(0, 0, Int64(N), Int64(K), Int64(M), 1, dy.pointer, Int64(M), w.value.pointer, Int64(K),
                              fresh ? 0 : 1, dx.pointer, Int64(K), pool?.raw)
            }
            if let dw = w.gradPointer {                                              // dW (M, K) += dYᵀ · X
                tk_sgemm_pool(1, 0, Int64(M), Int64(K), Int64(N), 1, dy.pointer, Int64(M), x.value.pointer, Int64(K),
                              1, dw, Int64(K), pool?.raw)
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

    /// LoRA's layer as ONE op: y (N, M) = x · wᵀ + s · (h · aᵀ) · bᵀ with w (M, K), a (r, K), b (M, r)
    /// and h = x unless given (e.g. x after dropout; h must then be its own variable). Keeps only
    /// x, h and the rank-r product t = h · aᵀ for backward, instead of the four (N, M) tensors of
    /// linear + linear + scale + add:
    ///   dt = s · dY · b, db += s · dYᵀ · t, da += dtᵀ · h, dh += dt · a, dx += dY · w, dw += dYᵀ · x.
    public func lowRankLinear(_ x: Variable, _ w: Variable, a: Variable, b: Variable, scaling s: Float,
                              input h: Variable? = nil) -> Variable {
        precondition(w.shape.count == 2 && a.shape.count == 2 && b.shape.count == 2, "lowRankLinear: 2-D weights expected")
        let M = w.shape[0], K = w.shape[1], r = a.shape[0]
        precondition(x.shape.last == K && a.shape[1] == K && b.shape == [M, r], "lowRankLinear: x \(x.shape), w \(w.shape), a \(a.shape), b \(b.shape)")
        let hv = h ?? x
        precondition(hv.count == x.count, "lowRankLinear: input \(hv.shape) for x \(x.shape)")
        let N = x.count / K
        let y = FloatTensor(uninitialized: Array(x.shape.dropLast()) + [M])          // (N, M)
        let t = FloatTensor(uninitialized: [N, r])                                   // (N, r)
        let P = pool?.raw
        tk_sgemm_pool(0, 1, Int64(N), Int64(M), Int64(K), 1, x.value.pointer, Int64(K), w.value.pointer, Int64(K), 0, y.pointer, Int64(M), P)
        tk_sgemm_pool(0, 1, Int64(N), Int64(r), Int64(K), 1, hv.value.pointer, Int64(K), a.value.pointer, Int64(K), 0, t.pointer, Int64(r), P)
        tk_sgemm_pool(0, 1, Int64(N), Int64(M), Int64(r), s, t.pointer, Int64(r), b.value.pointer, Int64(r), 1, y.pointer, Int64(M), P)
        let inputs = h.map { [x, w, a, b, $0] } ?? [x, w, a, b]
        return record(y, inputs: inputs) { [pool] dy in
            let P = pool?.raw
            if let dw = w.gradPointer {                                              // dW (M, K) += dYᵀ · X
                tk_sgemm_pool(1, 0, Int64(M), Int64(K), Int64(N), 1, dy.pointer, Int64(M), x.value.pointer, Int64(K), 1, dw, Int64(K), P)
            }
            if let db = b.gradPointer {                                              // dB (M, r) += s · dYᵀ · T
                tk_sgemm_pool(1, 0, Int64(M), Int64(r), Int64(N), s, dy.pointer, Int64(M), t.pointer, Int64(r), 1, db, Int64(r), P)
            }
            if x.requiresGrad {                                                      // dX (N, K) += dY · W (first: may overwrite)
                let (dx, fresh) = x.gradientBufferForWrite()
                tk_sgemm_pool(0, 0, Int64(N), Int64(K), Int64(M), 1, dy.pointer, Int64(M), w.value.pointer, Int64(K),
                              fresh ? 0 : 1, dx.pointer, Int64(K), P)
            }
            if a.requiresGrad || hv.requiresGrad {
                let dt = FloatTensor(uninitialized: [N, r])                          // dT (N, r) = s · dY · B
                tk_sgemm_pool(0, 0, Int64(N), Int64(r), Int64(M), s, dy.pointer, Int64(M), b.value.pointer, Int64(r), 0, dt.pointer, Int64(r), P)
                if let da = a.gradPointer {                                          // dA (r, K) += dTᵀ · H
                    tk_sgemm_pool(1, 0, Int64(r), Int64(K), Int64(N), 1, dt.pointer, Int64(r), hv.value.pointer, Int64(K), 1, da, Int64(K), P)
                }
                if let dh = hv.gradPointer {                                         // dH (N, K) += dT · A
                    tk_sgemm_pool(0, 0, Int64(N), Int64(K), Int64(r), 1, dt.pointer, Int64(r), a.value.pointer, Int64(K), 1, dh, Int64(K), P)
                }
            }
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
