// OpsElementwise.swift: elementwise ops and shape views, each forward beside its VJP: add, mul,
// scale, SiLU, SwiGLU, reshape (a view), 2-D transpose (a copy). Operands of binary ops have
// the same element count (no broadcasting; see addBias for the one broadcast the models need).
import CKernels

extension Tape {
    /// a + b.
    public func add(_ a: Variable, _ b: Variable) -> Variable {
        precondition(a.count == b.count, "add: \(a.shape) and \(b.shape)")
        let y = FloatTensor(uninitialized: a.shape)
        tk_add3_pool(y.pointer, a.value.pointer, b.value.pointer, Int64(y.count), pool?.raw)
        return record(y, inputs: [a, b]) { [pool] dy in
            a.accumulateGradient(dy, take: true, pool: pool)
            b.accumulateGradient(dy, take: a.grad?.pointer != dy.pointer, pool: pool)
        }
    }

    /// a ⊙ b.
    public func mul(_ a: Variable, _ b: Variable) -> Variable {
        precondition(a.count == b.count, "mul: \(a.shape) and \(b.shape)")
        let y = FloatTensor(uninitialized: a.shape)
        tk_mul_pool(y.pointer, a.value.pointer, b.value.pointer, Int64(y.count), pool?.raw)
        return record(y, inputs: [a, b]) { [pool] dy in
            if let da = a.gradPointer { tk_mul_acc_pool(da, dy.pointer, b.value.pointer, Int64(dy.count), pool?.raw) }
            if let db = b.gradPointer { tk_mul_acc_pool(db, dy.pointer, a.value.pointer, Int64(dy.count), pool?.raw) }
        }
    }

    /// s · a.
    public func scale(_ a: Variable, by s: Float) -> Variable {
        let y = a.value.copy()
        tk_scale_pool(y.pointer, s, Int64(y.count), pool?.raw)
        return record(y, inputs: [a]) { [pool] dy in
            guard a.requiresGrad else { return }
            if a.grad == nil {                                                       // dy is ours to scale
                tk_scale_pool(dy.pointer, s, Int64(dy.count), pool?.raw)
                a.accumulateGradient(dy, take: true)
            } else if let da = a.gradPointer { tk_axpy_pool(da, s, dy.pointer, Int64(dy.count), pool?.raw) }
        }
    }

    /// silu(a) = a · sigmoid(a).
    public func silu(_ a: Variable) -> Variable {
        let y = FloatTensor(uninitialized: a.shape)
        tk_silu_fwd_pool(y.pointer, a.value.pointer, Int64(y.count), pool?.raw)
        return record(y, inputs: [a]) { [pool] dy in
            if let da = a.gradPointer { tk_silu_bwd_pool(da, dy.pointer, a.value.pointer, Int64(dy.count), pool?.raw) }
        }
    }

    /// silu(gate) ⊙ up, fused (the Llama MLP's gate).
    public func swiglu(gate: Variable, up: Variable) -> Variable {
        precondition(gate.count == up.count, "swiglu: \(gate.shape) and \(up.shape)")
        let y = FloatTensor(uninitialized: gate.shape)
        tk_swiglu_fwd_pool(y.pointer, gate.value.pointer, up.value.pointer, Int64(y.count), pool?.raw)
        return record(y, inputs: [gate, up]) { [pool] dy in
            // Fresh gradient buffers are written rather than zero-filled and added to.
            let g = gate.requiresGrad ? gate.gradientBufferForWrite() : nil
            let u = up.requiresGrad ? up.gradientBufferForWrite() : nil
            let overwrite: Int32 = (g?.overwrite == true ? 1 : 0) | (u?.overwrite == true ? 2 : 0)
            tk_swiglu_bwd_pool(g?.0.pointer, u?.0.pointer, dy.pointer, gate.value.pointer, up.value.pointer, Int64(dy.count),
                               overwrite, pool?.raw)
        }
    }

    /// The same elements seen with another shape (shares the value's storage).
    public func reshape(_ a: Variable, _ shape: [Int]) -> Variable {
        let y = a.value.reshaped(shape)
        return record(y, inputs: [a]) { dy in a.accumulateGradient(dy, take: true) }
    }

    /// Rows `rows` of a (R, C) matrix, in that order: (rows.count, C). The VJP adds each row's
    /// gradient back to the row it came from.
    public func gatherRows(_ a: Variable, rows: [Int]) -> Variable {
        precondition(a.shape.count == 2, "gatherRows: expected 2-D, got \(a.shape)")
        let R = a.shape[0], C = a.shape[1]
        let y = FloatTensor(uninitialized: [rows.count, C])                                   // (N, C)
        for (i, r) in rows.enumerated() {
            precondition(r >= 0 && r < R, "gatherRows: row \(r) outside 0..<\(R)")
            (y.pointer + i * C).update(from: a.value.pointer + r * C, count: C)
        }
        return record(y, inputs: [a]) { dy in
            guard let da = a.gradPointer else { return }
            for (i, r) in rows.enumerated() { tk_add(da + r * C, dy.pointer + i * C, Int64(C)) }
        }
    }

    /// (R, C) -> (C, R).
    public func transpose(_ a: Variable) -> Variable {
        precondition(a.shape.count == 2, "transpose: expected 2-D, got \(a.shape)")
        let R = a.shape[0], C = a.shape[1]
        let y = FloatTensor(uninitialized: [C, R])
        tk_transpose(y.pointer, a.value.pointer, Int64(R), Int64(C))
        return record(y, inputs: [a]) { dy in
            guard let da = a.gradPointer else { return }
            let t = FloatTensor(uninitialized: [R, C])
            tk_transpose(t.pointer, dy.pointer, Int64(C), Int64(R))
            tk_add(da, t.pointer, Int64(t.count))
        }
    }
}
