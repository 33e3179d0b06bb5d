// SGD.swift: stochastic gradient descent with momentum, as torch.optim.SGD (maximize=False):
// d = g + λ·p; b = d on the first step, else μ·b + (1−τ)·d; d = nesterov ? d + μ·b : b; p ← p − lr·d.
// The update loop is tk_sgd_step (C).
import Tensor
import CKernels

/// torch.optim.SGD.
public final class SGD: Optimizer {
    public var learningRate: Float
    public let momentum: Float, dampening: Float, nesterov: Bool
    public private(set) var groups: [ParameterGroup]
    public private(set) var stepCount = 0
    /// Momentum buffers per parameter (created on its first update).
    public private(set) var buffers: [ObjectIdentifier: FloatTensor] = [:]

    public init(groups: [ParameterGroup], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                nesterov: Bool = false) {
        precondition(!nesterov || (momentum > 0 && dampening == 0), "Nesterov momentum requires a momentum and zero dampening")
        self.groups = groups
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
    }

    public convenience init(parameters: [Parameter], learningRate: Float, momentum: Float = 0, dampening: Float = 0,
                            weightDecay: Float = 0, nesterov: Bool = false) {
        self.init(groups: [ParameterGroup(parameters: parameters, weightDecay: weightDecay)], learningRate: learningRate,
                  momentum: momentum, dampening: dampening, nesterov: nesterov)
    }

    public func step() {
        stepCount += 1
        for group in groups {
            for p in group.parameters where !p.isFrozen {
                guard let g = p.grad else { continue }
                let id = ObjectIdentifier(p)
                let first = buffers[id] == nil
                let buf = buffers[id] ?? FloatTensor(zeros: momentum != 0 ? p.shape : [0])
                buffers[id] = buf
                tk_sgd_step(p.value.pointer, g.pointer, buf.pointer, Int64(p.count), learningRate, momentum, dampening,
                            group.weightDecay, nesterov ? 1 : 0, first ? 1 : 0)
            }
        }
    }
}
