// LinearLayers.swift: the linear layers a training graph is made of, behind one protocol so an
// adapter (LoRA, IA3, ...) can wrap any of them without touching the model file: a graph exposes
// its layers by name (see LlamaTrainingGraph.mapLinearLayers) and the adapter returns a wrapper.
// DenseLinear holds a trainable (or frozen) f32 weight; FrozenLinear keeps a stored weight in its
// ggml type (a QLoRA base), dequantized block by block forward and backward.
import NN
import Tensor

/// y = x · Wᵀ (+ b) with W (outFeatures, inFeatures), on a tape.
public protocol LinearLayer: Module {
    var inFeatures: Int { get }
    var outFeatures: Int { get }
    /// x (N, inFeatures) -> (N, outFeatures).
    func forward(_ x: Variable, tape: Tape) -> Variable
}

/// A linear layer with an f32 weight Parameter (names "weight", "bias" as PyTorch's nn.Linear).
public final class DenseLinear: LinearLayer {
    public let weight: Parameter   // (out, in)
    public let bias: Parameter?    // (out)

    public init(weight: Parameter, bias: Parameter? = nil) {
        precondition(weight.shape.count == 2, "DenseLinear weight must be 2-D, got \(weight.shape)")
        precondition(bias == nil || bias!.count == weight.shape[0], "bias length must equal the output size")
        self.weight = weight
        self.bias = bias
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public func forward(_ x: Variable, tape: Tape) -> Variable {
        let y = tape.linear(x, weight)                                                // (N, out)
        return bias.map { tape.addBias(y, $0) } ?? y
    }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
}

/// A linear layer over a frozen stored weight (any supported ggml type); only its input (and an
/// optional bias) gets gradients. The weight is not a Parameter: it never changes.
public final class FrozenLinear: LinearLayer {
    public let weight: WeightMatrix   // (out, in), quantized or float
    public let bias: Parameter?       // (out)

    public init(weight: WeightMatrix, bias: Parameter? = nil) {
        precondition(bias == nil || bias!.count == weight.rows, "bias length must equal the output size")
        self.weight = weight
        self.bias = bias
    }

    public var inFeatures: Int { weight.cols }
    public var outFeatures: Int { weight.rows }

    public func forward(_ x: Variable, tape: Tape) -> Variable {
        let y = tape.linear(x, frozen: weight)                                        // (N, out)
        return bias.map { tape.addBias(y, $0) } ?? y
    }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        bias.map { [("bias", $0)] } ?? []
    }
}
