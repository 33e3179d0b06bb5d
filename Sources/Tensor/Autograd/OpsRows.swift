// OpsRows.swift: row-level ops for adapters that add positions or scale features, each forward
// beside its VJP: prependRows (a shared (P, C) block before each of B sequences: prompt-tuning
// virtual tokens, prefix-tuning keys/values), dropLeadingRows (its inverse on activations),
// scaleColumns (x ⊙ v with v (C) broadcast over rows: IA3, DoRA magnitudes) and tanh (prefix
// tuning's reparameterization MLP). Row copies are memcpy; tanh is a plain loop (small tensors).
import CKernels
import Foundation

extension Tape {
    /// (P, C) and (B·T, C) -> (B·(P+T), C): `prefix` placed before each of the B sequences of `x`.
    public func prependRows(_ prefix: Variable, to x: Variable, batch B: Int) -> Variable {
        let C = prefix.shape.last!, P = prefix.count / C
        precondition(x.shape.last == C && x.count % (B * C) == 0, "prependRows: prefix \(prefix.shape), x \(x.shape), B=\(B)")
        let T = x.count / (B * C), S = P + T
        let y = FloatTensor(uninitialized: [B * S, C])
        for b in 0..<B {
            (y.pointer + b * S * C).update(from: prefix.value.pointer, count: P * C)
            (y.pointer + (b * S + P) * C).update(from: x.value.pointer + b * T * C, count: T * C)
        }
        return record(y, inputs: [prefix, x]) { dy in
            for b in 0..<B {
                if let dp = prefix.gradPointer { tk_add(dp, dy.pointer + b * S * C, Int64(P * C)) }   // Σ over sequences
                if let dx = x.gradPointer { tk_add(dx + b * T * C, dy.pointer + (b * S + P) * C, Int64(T * C)) }
            }
        }
    }

    /// (B·(P+T), C) -> (B·T, C): drops the first `count` rows of each of the B sequences.
    public func dropLeadingRows(_ x: Variable, count P: Int, batch B: Int) -> Variable {
        let C = x.shape.last!, S = x.count / (B * C), T = S - P
        precondition(T >= 0 && x.count == B * S * C, "dropLeadingRows: \(x.shape), P=\(P), B=\(B)")
        let y = FloatTensor(uninitialized: [B * T, C])
        for b in 0..<B { (y.pointer + b * T * C).update(from: x.value.pointer + (b * S + P) * C, count: T * C) }
        return record(y, inputs: [x]) { dy in
            guard let dx = x.gradPointer else { return }
            for b in 0..<B { tk_add(dx + (b * S + P) * C, dy.pointer + b * T * C, Int64(T * C)) }
        }
    }

    /// y (N, C) = x (N, C) ⊙ v (C), v broadcast over rows.
    public func scaleColumns(_ x: Variable, _ v: Variable) -> Variable {
        let C = v.count
        precondition(x.shape.last == C, "scaleColumns: input \(x.shape) does not end in \(C)")
        let N = x.count / C
        let y = FloatTensor(uninitialized: x.shape)
        for r in 0..<N { tk_mul(y.pointer + r * C, x.value.pointer + r * C, v.value.pointer, Int64(C)) }
        return record(y, inputs: [x, v]) { dy in
            for r in 0..<N {
                if let dx = x.gradPointer { tk_mul_acc(dx + r * C, dy.pointer + r * C, v.value.pointer, Int64(C)) }
                if let dv = v.gradPointer { tk_mul_acc(dv, dy.pointer + r * C, x.value.pointer + r * C, Int64(C)) }
            }
        }
    }

    /// tanh(a), elementwise.
    public func tanh(_ a: Variable) -> Variable {
        let y = FloatTensor(uninitialized: a.shape)
        for i in 0..<a.count { y.pointer[i] = Foundation.tanh(a.value.pointer[i]) }
        return record(y, inputs: [a]) { dy in
            guard let da = a.gradPointer else { return }
            for i in 0..<a.count { let t = y.pointer[i]; da[i] += dy.pointer[i] * (1 - t * t) }
        }
    }
}

extension Tape {
    /// (N, C) -> (N, count): columns start ..< start+count of every row.
    public func sliceColumns(_ x: Variable, start: Int, count n: Int) -> Variable {
        let C = x.shape.last!, N = x.count / C
        precondition(start >= 0 && start + n <= C, "sliceColumns: \(start)+\(n) of \(C)")
        let y = FloatTensor(uninitialized: [N, n])
        for r in 0..<N { (y.pointer + r * n).update(from: x.value.pointer + r * C + start, count: n) }
        return record(y, inputs: [x]) { dy in
            guard let dx = x.gradPointer else { return }
            for r in 0..<N { tk_add(dx + r * C + start, dy.pointer + r * n, Int64(n)) }
        }
    }
}
