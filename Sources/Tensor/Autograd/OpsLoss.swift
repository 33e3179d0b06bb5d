// OpsLoss.swift: softmax cross-entropy as ONE fused op (grad_ops.c). Equation (PyTorch's
// F.cross_entropy with reduction="mean"): L = (1/|S|) Σ_{r∈S} [logsumexp(z_r) - z_r[y_r]], where
// S = rows whose target is not `ignoreIndex`. dL/dz_r = (softmax(z_r) - onehot(y_r)) / |S| on S,
// 0 elsewhere. Targets are aligned with the logit rows (shift labels before calling, as HF's
// causal LM loss does internally). Limits: when every row is ignored the loss is 0 with zero
// gradients (PyTorch returns NaN), so a fully masked batch cannot poison training.
import CKernels

/// A target value outside 0..<vocabulary that is not the ignore index.
public struct TargetOutOfRange: Error, CustomStringConvertible {
    public let row: Int, target: Int32, vocabulary: Int
    public var description: String { "cross-entropy: target \(target) at row \(row) is outside 0..<\(vocabulary) and is not the ignore index" }
}

extension Tape {
    /// Mean cross-entropy of logits (N, V) against targets (N); returns a (1) variable.
    public func crossEntropy(_ logits: Variable, targets: [Int32], ignoreIndex: Int32 = -100) throws -> Variable {
        let V = logits.shape.last ?? 0
        let N = targets.count
        precondition(logits.count == N * V, "crossEntropy: logits \(logits.shape) for \(N) targets")
        for (r, t) in targets.enumerated() where t != ignoreIndex && (t < 0 || Int(t) >= V) {
            throw TargetOutOfRange(row: r, target: t, vocabulary: V)
        }
        let lse = FloatTensor(uninitialized: [N]), rowLoss = FloatTensor(uninitialized: [N])
        var valid: Int64 = 0
        let total = tk_cross_entropy_fwd(logits.value.pointer, targets, ignoreIndex, Int64(N), Int64(V),
                                         lse.pointer, rowLoss.pointer, &valid, pool?.raw)
        let loss = FloatTensor(shape: [1], values: [valid > 0 ? Float(total / Double(valid)) : 0])
        return record(loss, inputs: [logits]) { [pool] dy in
            guard logits.requiresGrad, valid > 0 else { return }
            let (dz, fresh) = logits.gradientBufferForWrite()                        // fresh: written, not added to
            tk_cross_entropy_bwd(dz.pointer, logits.value.pointer, targets, ignoreIndex, lse.pointer, Int64(N), Int64(V),
                                 dy.pointer[0] / Float(valid), fresh ? 1 : 0, pool?.raw)
        }
    }
}
