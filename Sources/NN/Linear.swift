// Linear.swift: inference-time linear layer y = x·Wᵀ + b over a stored (possibly quantized)
// weight. Training-time layers with gradients come with the fine-tuning work.
import Tensor
import CKernels

/// y(ntok, out) = x(ntok, in) · Wᵀ + b.
public struct Linear: Sendable {
    public let weight: WeightMatrix
    public let bias: [Float]?

    public init(weight: WeightMatrix, bias: [Float]? = nil) {
        precondition(bias == nil || bias!.count == weight.rows, "bias length must equal output size")
        self.weight = weight
        self.bias = bias
    }

    public var inFeatures: Int { weight.cols }
    public var outFeatures: Int { weight.rows }

    public func callAsFunction(_ x: UnsafePointer<Float>, tokens: Int, into y: UnsafeMutablePointer<Float>, pool: ThreadPool?,
                               activations: ActivationPrecision = .int8) {
        weight.matmul(x, tokens: tokens, into: y, pool: pool, activations: activations)
        if let bias {
            bias.withUnsafeBufferPointer { tk_add_bias(y, $0.baseAddress, Int64(tokens), Int64(weight.rows)) }
        }
    }
}

/// Layers that read the same input (the Q, K and V projections; gate and up), applied together:
/// y_i = x · W_iᵀ + b_i through `WeightMatrix.matmul(_:...)`, one packed call for all of them where
/// it applies (results equal separate calls). Built once; applying it allocates nothing.
public struct LinearGroup: Sendable {
    public let layers: [Linear]
    private let weights: [WeightMatrix]

    public init(_ layers: [Linear]) {
        self.layers = layers
        weights = layers.map(\.weight)
    }

    public func callAsFunction(_ x: UnsafePointer<Float>, tokens: Int, into ys: [UnsafeMutablePointer<Float>], pool: ThreadPool?,
                               activations: ActivationPrecision = .int8) {
        WeightMatrix.matmul(weights, x, tokens: tokens, into: ys, pool: pool, activations: activations)
        for (l, y) in zip(layers, ys) {
            if let bias = l.bias {
                bias.withUnsafeBufferPointer { tk_add_bias(y, $0.baseAddress, Int64(tokens), Int64(l.weight.rows)) }
            }
        }
    }
}
