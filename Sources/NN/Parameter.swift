// Parameter.swift: trainable tensors and the `Module` protocol that names them. A Parameter is a
// leaf Variable that persists across steps; frozen parameters take part in the forward pass but
// get no gradient. Modules list their parameters under dotted names (Hugging Face style, e.g.
// "model.layers.0.self_attn.q_proj.weight") so checkpoints, adapters and PEFT files agree.
// Limits: no buffers (non-trainable state) besides frozen parameters.
import Tensor

/// A named-by-its-module, trainable (or frozen) tensor.
public final class Parameter: Variable, @unchecked Sendable {
    /// A parameter holding `value`; trainable unless `frozen`.
    public init(_ value: FloatTensor, frozen: Bool = false) {
        super.init(value, requiresGrad: !frozen)
    }

    /// A parameter of `shape` holding `values`.
    public convenience init(shape: [Int], values: [Float], frozen: Bool = false) {
        self.init(FloatTensor(shape: shape, values: values), frozen: frozen)
    }

    /// True when the parameter gets no gradient and optimizers leave it alone.
    public var isFrozen: Bool {
        get { !requiresGrad }
        set {
            requiresGrad = !newValue
            if newValue { clearGradient() }
        }
    }
}

/// Something with named parameters (a layer, a block, a whole model).
public protocol Module: AnyObject {
    /// Every parameter of this module and its children, under dotted names relative to it, in a
    /// stable order.
    func namedParameters() -> [(name: String, parameter: Parameter)]
}

public extension Module {
    var parameters: [Parameter] { namedParameters().map(\.parameter) }

    /// Parameters that are not frozen.
    var trainableParameters: [Parameter] { parameters.filter { !$0.isFrozen } }

    /// The parameter called `name`, if any.
    func parameter(named name: String) -> Parameter? { namedParameters().first { $0.name == name }?.parameter }

    /// Total element count (trainable only, if asked).
    func parameterCount(trainableOnly: Bool = false) -> Int {
        namedParameters().reduce(0) { $0 + (trainableOnly && $1.parameter.isFrozen ? 0 : $1.parameter.count) }
    }

    /// Freezes (or unfreezes) the parameters whose name satisfies `predicate`.
    func setFrozen(_ frozen: Bool, where predicate: (String) -> Bool = { _ in true }) {
        for (n, p) in namedParameters() where predicate(n) { p.isFrozen = frozen }
    }

    /// Zeroes every gradient (buffers are kept for the next step).
    func zeroGradients() { for p in parameters { p.zeroGradient() } }

    /// Child parameters with `prefix.` prepended to their names.
    func namedParameters(prefix: String) -> [(name: String, parameter: Parameter)] {
        namedParameters().map { (prefix.isEmpty ? $0.name : "\(prefix).\($0.name)", $0.parameter) }
    }
}
