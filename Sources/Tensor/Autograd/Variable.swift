// Variable.swift: a node of the autograd graph: a value, its gradient and whether it needs one.
// Leaves (parameters, inputs) are made by the user; every other Variable is made by an op on a
// Tape. Gradients accumulate (+=) until `zeroGradient()`, as in PyTorch. `Variable` is open so
// NN's `Parameter` can refine it.

/// A tensor in the autograd graph.
open class Variable: @unchecked Sendable, CustomStringConvertible {
    /// The forward value.
    public let value: FloatTensor
    /// dLoss/dvalue, allocated on first use by the backward pass; nil until then.
    public internal(set) var grad: FloatTensor?
    /// When false the backward pass neither computes nor stores a gradient for this variable.
    public var requiresGrad: Bool

    public init(_ value: FloatTensor, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
    }

    /// A leaf holding `values` in `shape`.
    public convenience init(shape: [Int], values: [Float], requiresGrad: Bool = false) {
        self.init(FloatTensor(shape: shape, values: values), requiresGrad: requiresGrad)
    }

    public var shape: [Int] { value.shape }
    public var count: Int { value.count }

    /// The gradient buffer, created zero-filled on first use.
    public func gradientBuffer() -> FloatTensor {
        if let g = grad { return g }
        let g = FloatTensor(zeros: value.shape)
        grad = g
        return g
    }

    /// grad += g. When this variable has no gradient buffer yet and `take` is true, `g` itself
    /// becomes the buffer (no zero-fill, no add): the caller gives up `g` (a VJP may pass its
    /// output's gradient, which the tape drops right after, to at most one input); without `take`
    /// the new buffer is a copy of `g`. The add runs on `pool` when given.
    public func accumulateGradient(_ g: FloatTensor, take: Bool, pool: ThreadPool? = nil) {
        guard requiresGrad else { return }
        precondition(g.count == count, "gradient \(g.shape) for \(shape)")
        if grad == nil {
            let own = take ? g : g.copy()
            grad = own.shape == value.shape ? own : own.reshaped(value.shape)
        } else {
            grad!.add(g, pool: pool)
        }
    }

    /// The gradient buffer for a kernel that can either overwrite or add: (buffer, true) when it
    /// was just created with undefined contents (write with beta = 0), (buffer, false) when it
    /// holds gradients to add to.
    public func gradientBufferForWrite() -> (FloatTensor, overwrite: Bool) {
        if let g = grad { return (g, false) }
        let g = FloatTensor(uninitialized: value.shape)
        grad = g
        return (g, true)
    }

    /// Zeroes the gradient (keeps the buffer).
    public func zeroGradient() { grad?.zero() }

    /// Drops the gradient buffer.
    public func clearGradient() { grad = nil }

    public var description: String { "Variable\(shape)\(requiresGrad ? " requiresGrad" : "")" }
}
