// Optimizer.swift: what every optimizer offers a training loop, parameter groups, global-norm
// clipping (torch.nn.utils.clip_grad_norm_) and gradient accumulation. Optimizers skip frozen
// parameters and parameters without a gradient, as torch.optim skips grad=None.
import Tensor
import CKernels

/// Updates parameters from their gradients.
public protocol Optimizer: AnyObject {
    /// The learning rate of the next step (a schedule sets it before each step).
    var learningRate: Float { get set }
    /// Steps taken so far.
    var stepCount: Int { get }
    /// Applies one update to every trainable parameter that has a gradient.
    func step()
}

/// Parameters sharing a weight decay (e.g. no decay for norms and biases).
public struct ParameterGroup {
    public var parameters: [Parameter]
    public var weightDecay: Float
    public init(parameters: [Parameter], weightDecay: Float) {
        self.parameters = parameters
        self.weightDecay = weightDecay
    }
}

/// Scales gradients so their global L2 norm is at most `maxNorm`, as torch.nn.utils.clip_grad_norm_
/// (coefficient maxNorm / (norm + 1e-6), capped at 1). Returns the norm before clipping. The sums
/// of squares use fixed chunks (FloatTensor.sumOfSquares), so `pool` does not change the result.
@discardableResult
public func clipGradientNorm(_ parameters: [Parameter], maxNorm: Float, pool: ThreadPool? = nil) -> Float {
    let grads = parameters.compactMap { $0.isFrozen ? nil : $0.grad }
    let total = Float(grads.reduce(0.0) { $0 + $1.sumOfSquares(pool: pool) }.squareRoot())
    let coef = min(maxNorm / (total + 1e-6), 1)
    if coef < 1 { for g in grads { tk_scale_pool(g.pointer, coef, Int64(g.count), pool?.raw) } }
    return total
}

/// Counts micro-batches for gradient accumulation: scale each micro-batch loss by `lossScale`
/// (1 / steps, so the sum of gradients is the mean of the micro-batch gradients), call `advance()`
/// after each backward, and step the optimizer when it returns true.
public struct GradientAccumulation: Sendable, Codable, Equatable {
    public let steps: Int
    /// Micro-batches accumulated since the last optimizer step.
    public private(set) var pending = 0

    public init(steps: Int) {
        precondition(steps >= 1, "gradient accumulation needs at least one step")
        self.steps = steps
    }

    public var lossScale: Float { 1 / Float(steps) }

    /// Records one micro-batch; true when `steps` have accumulated (and resets the count).
    public mutating func advance() -> Bool {
        pending += 1
        if pending == steps { pending = 0; return true }
        return false
    }
}
