// AdamW.swift: Adam with decoupled weight decay (Loshchilov & Hutter 2019), as torch.optim.AdamW
// (amsgrad=False, maximize=False): p ← p·(1 − lr·λ); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
// p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε). The update loop is tk_adamw_step (C), split over
// `pool` when set (tk_adamw_step_pool: elementwise, so the same result).
import Foundation
import Tensor
import CKernels

/// torch.optim.AdamW.
public final class AdamW: Optimizer {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, eps: Float
    public private(set) var groups: [ParameterGroup]
    public private(set) var stepCount = 0
    /// First and second moments per parameter (created on its first update).
    public private(set) var moments: [ObjectIdentifier: (m: FloatTensor, v: FloatTensor)] = [:]
    /// Threads for the update loop (elementwise: the result is the same with or without).
    public var pool: ThreadPool?

    public init(groups: [ParameterGroup], learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
                eps: Float = 1e-8) {
        self.groups = groups
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
    }

    public convenience init(parameters: [Parameter], learningRate: Float = 1e-3, beta1: Float = 0.9,
                            beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0.01) {
        self.init(groups: [ParameterGroup(parameters: parameters, weightDecay: weightDecay)],
                  learningRate: learningRate, beta1: beta1, beta2: beta2, eps: eps)
    }

    /// The moments of `p`, if it has been updated.
    public func moments(of p: Parameter) -> (m: FloatTensor, v: FloatTensor)? { moments[ObjectIdentifier(p)] }

    /// Restores the state saved from `stepCount` and `moments(of:)` (checkpoint resume).
    public func restore(stepCount: Int, moments list: [(Parameter, FloatTensor, FloatTensor)]) {
        self.stepCount = stepCount
        moments = [:]
        for (p, m, v) in list { moments[ObjectIdentifier(p)] = (m, v) }
    }

    public func step() {
        stepCount += 1
        // Scalars as PyTorch computes them: in Python floats (double), then used as f32.
        let lr = Double(learningRate), t = Double(stepCount)
        let bc1 = 1 - pow(Double(beta1), t), bc2 = 1 - pow(Double(beta2), t)
        let stepSize = Float(lr / bc1), bc2Sqrt = Float(bc2.squareRoot())
        let b1w = Float(1 - Double(beta1)), omb2 = Float(1 - Double(beta2))
        for group in groups {
            let decay = Float(1 - lr * Double(group.weightDecay))
            for p in group.parameters where !p.isFrozen {
                guard let g = p.grad else { continue }
                let id = ObjectIdentifier(p)
                let s = moments[id] ?? (FloatTensor(zeros: p.shape), FloatTensor(zeros: p.shape))
                moments[id] = s
                tk_adamw_step_pool(p.value.pointer, g.pointer, s.m.pointer, s.v.pointer, Int64(p.count), decay, b1w,
                                   beta2, omb2, stepSize, bc2Sqrt, eps, pool?.raw)
            }
        }
    }
}
