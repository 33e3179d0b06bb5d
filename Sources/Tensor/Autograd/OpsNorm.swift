// OpsNorm.swift: embedding gather, RMSNorm and rotary position embedding as forward + VJP pairs.
// Dimensions: N rows (tokens), D width, V vocabulary rows, H heads of Dh. RMSNorm forward and
// backward are fused C kernels (same arithmetic as inference's tk_rmsnorm). RoPE is a rotation
// per pair of dims, so its VJP is the inverse rotation: tk_rope at position -p.
import CKernels

/// How RoPE rotates a head: the first `dimensions` dims of each head, frequencies base^(-2i/dims)
/// divided by `frequencyFactors` (if any), positions multiplied by `positionScale`. `neox` pairs
/// (i, i + dims/2) (NeoX/Qwen2 order); otherwise (2i, 2i+1) (GGUF/llama.cpp "normal" order).
public struct RopeSpec: Sendable {
    public var dimensions: Int
    public var base: Float
    public var positionScale: Float
    public var frequencyFactors: [Float]?
    public var neox: Bool

    public init(dimensions: Int, base: Float, positionScale: Float = 1, frequencyFactors: [Float]? = nil, neox: Bool) {
        self.dimensions = dimensions
        self.base = base
        self.positionScale = positionScale
        self.frequencyFactors = frequencyFactors
        self.neox = neox
    }

    /// Rotates `positions.count` rows of (heads, headDim) in place; row r at sign·positions[r].
    func apply(_ x: UnsafeMutablePointer<Float>, positions: [Int], heads: Int, headDim: Int, sign: Int, pool: ThreadPool? = nil) {
        let pos = positions.map { Int64($0) }
        let body = { (ff: UnsafePointer<Float>?) in
            tk_rope_rows(x, pos, Int64(pos.count), Int64(heads), Int64(headDim), Int64(dimensions), base, positionScale, ff,
                         neox ? 1 : 0, Int32(sign), pool?.raw)
        }
        if let f = frequencyFactors { f.withUnsafeBufferPointer { body($0.baseAddress) } } else { body(nil) }
    }
}

extension Tape {
    /// Rows of `table` (V, D) picked by `ids` -> (ids.count, D). The VJP scatter-adds into the table.
    public func embedding(_ ids: [Int32], _ table: Variable) -> Variable {
        precondition(table.shape.count == 2, "embedding: table must be 2-D, got \(table.shape)")
        let V = table.shape[0], D = table.shape[1]
        let y = FloatTensor(uninitialized: [ids.count, D])                                    // (N, D)
        for (r, id) in ids.enumerated() {
            precondition(id >= 0 && Int(id) < V, "embedding: id \(id) outside 0..<\(V)")
            (y.pointer + r * D).update(from: table.value.pointer + Int(id) * D, count: D)
        }
        return record(y, inputs: [table]) { dy in
            guard let dt = table.gradPointer else { return }
            for (r, id) in ids.enumerated() { tk_add(dt + Int(id) * D, dy.pointer + r * D, Int64(D)) }
        }
    }

    /// x / sqrt(mean(x²) + eps) ⊙ w over the last dimension; w is (D).
    public func rmsNorm(_ x: Variable, weight w: Variable, eps: Float) -> Variable {
        let D = w.count
        precondition(x.shape.last == D, "rmsNorm: input \(x.shape) does not end in \(D)")
        let N = x.count / D
        let y = FloatTensor(uninitialized: x.shape)                                           // (N, D)
        let rstd = FloatTensor(uninitialized: [N])                                            // (N)
        tk_rmsnorm_fwd(y.pointer, rstd.pointer, x.value.pointer, w.value.pointer, Int64(N), Int64(D), eps, pool?.raw)
        return record(y, inputs: [x, w]) { [pool] dy in
            tk_rmsnorm_bwd(x.gradPointer, w.gradPointer, dy.pointer, x.value.pointer, w.value.pointer, rstd.pointer,
                           Int64(N), Int64(D), pool?.raw)
        }
    }

    /// RoPE on x (N, heads·headDim); row r is at position positions[r].
    public func rope(_ x: Variable, positions: [Int], heads: Int, headDim: Int, spec: RopeSpec) -> Variable {
        precondition(x.count == positions.count * heads * headDim, "rope: \(x.shape) for \(positions.count) rows of \(heads)×\(headDim)")
        precondition(spec.dimensions <= headDim && spec.dimensions % 2 == 0, "rope: bad rotary dims \(spec.dimensions)")
        let y = x.value.copy()
        spec.apply(y.pointer, positions: positions, heads: heads, headDim: headDim, sign: 1, pool: pool)
        return record(y, inputs: [x]) { [pool] dy in
            guard x.requiresGrad else { return }
            spec.apply(dy.pointer, positions: positions, heads: heads, headDim: headDim, sign: -1, pool: pool)  // dy is ours
            x.accumulateGradient(dy, take: true)
        }
    }
}
