// OpsAttention.swift: causal grouped-query self-attention as ONE op with a fused C forward and
// backward (grad_attention.c). Inputs are the projections laid out token-major, as the linear
// layers produce them: q (B·T, H·Dh), k and v (B·S, Hkv·Dh) with S = P + T; output (B·T, H·Dh).
// The first P key/value rows of each sequence are a prefix (prefix tuning, a pre-filled cache)
// that every query attends to; query t attends keys 0 ... P + t. Scores are scaled by 1/sqrt(Dh).
// Each of the B sequences starts at position 0 (no padding mask: padded positions only see
// earlier tokens, and their loss is masked by the labels).
import CKernels

extension Tape {
    /// softmax(q·kᵀ/√Dh + causal mask)·v per head, query head h using KV head h/(H/Hkv); k and v
    /// carry `prefix` extra rows before each sequence's T rows.
    public func causalAttention(q: Variable, k: Variable, v: Variable, batch B: Int, heads H: Int, kvHeads Hkv: Int,
                                headDim Dh: Int, prefix P: Int = 0) -> Variable {
        precondition(H % Hkv == 0, "attention: \(H) heads is not a multiple of \(Hkv) KV heads")
        let T = q.count / (B * H * Dh)
        precondition(q.count == B * T * H * Dh && k.count == B * (T + P) * Hkv * Dh && v.count == k.count,
                     "attention: q \(q.shape), k \(k.shape), v \(v.shape) for B=\(B) H=\(H) Hkv=\(Hkv) Dh=\(Dh) P=\(P)")
        let scale = 1 / Float(Dh).squareRoot()
        let out = FloatTensor(uninitialized: q.shape)                                           // (B·T, H·Dh)
        let lse = FloatTensor(uninitialized: [B, H, T])                                         // (B, H, T)
        tk_attention_train_fwd(out.pointer, lse.pointer, q.value.pointer, k.value.pointer, v.value.pointer,
                               Int64(B), Int64(T), Int64(P), Int64(H), Int64(Hkv), Int64(Dh), scale, pool?.raw)
        return record(out, inputs: [q, k, v]) { [pool] dy in
            // The kernel writes all three; inputs that need no gradient get a throwaway buffer.
            func buf(_ x: Variable) -> (UnsafeMutablePointer<Float>, FloatTensor?) {
                if let p = x.gradPointer { return (p, nil) }
                let t = FloatTensor(zeros: x.shape)
                return (t.pointer, t)
            }
            let (dq, tq) = buf(q), (dk, tk) = buf(k), (dv, tv) = buf(v)
            tk_attention_train_bwd(dq, dk, dv, dy.pointer, q.value.pointer, k.value.pointer, v.value.pointer,
                                   out.pointer, lse.pointer, Int64(B), Int64(T), Int64(P), Int64(H), Int64(Hkv), Int64(Dh),
                                   scale, pool?.raw)
            withExtendedLifetime((tq, tk, tv)) {}
        }
    }
}
