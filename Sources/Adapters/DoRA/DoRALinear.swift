// DoRALinear.swift: DoRA (Liu et al. 2024, "DoRA: Weight-Decomposed Low-Rank Adaptation"), as PEFT's
// `use_dora`: W' = m ⊙ (W + s·B·A) / ‖W + s·B·A‖, the norm taken over each output row and treated
// as a constant in the backward pass (the paper's §4.3, PEFT's `weight_norm.detach()`).
//   y = bias + g ⊙ (x·Wᵀ + s·x·Aᵀ·Bᵀ),  g = m / ‖W + s·B·A‖ (per output feature)
// m starts as ‖W‖, B as 0, so a fresh layer equals the base. merge() writes g ⊙ (W + s·B·A) into a
// DenseLinear base; unmerge() divides by the stored g and subtracts s·B·A. Limits: dropout > 0 is
// applied to the low-rank path only (PEFT also feeds the dropped x to the base term).
import CKernels
import NN
import Tensor
import Training

/// A weight-decomposed LoRA layer.
public final class DoRALinear: LinearLayer {
    public let lora: LoRALinear           // A, B, scaling, dropout; its base is ours
    public let magnitude: Parameter       // (out)
    public var isEnabled = true
    public private(set) var isMerged = false
    private var mergedScale: [Float] = []
    private lazy var frozenWeight: [Float] = baseWeight()

    public init(base: any LinearLayer, rank: Int, scaling: Float, dropout: Float = 0, random: RandomState?) {
        lora = LoRALinear(base: base, rank: rank, scaling: scaling, dropout: dropout, random: random)
        magnitude = Parameter(FloatTensor(zeros: [base.outFeatures]))
        let n = rowNorms(delta: nil)
        magnitude.value.pointer.update(from: n, count: n.count)
    }

    public var base: any LinearLayer { lora.base }
    public var inFeatures: Int { base.inFeatures }
    public var outFeatures: Int { base.outFeatures }

    private func baseWeight() -> [Float] {
        if let d = base as? DenseLinear { return d.weight.value.array }
        if let f = base as? FrozenLinear { return f.weight.dequantized() }
        preconditionFailure("DoRA needs a DenseLinear or FrozenLinear base")
    }

    /// ‖W + Δ‖ per output row (Δ = s·B·A when given).
    func rowNorms(delta: [Float]?) -> [Float] {
        let w = (base as? DenseLinear)?.weight.value.array ?? frozenWeight, K = inFeatures
        return (0..<outFeatures).map { o in
            var s: Float = 0
            for i in 0..<K { let v = w[o * K + i] + (delta?[o * K + i] ?? 0); s += v * v }
            return s.squareRoot()
        }
    }

    /// g = m / ‖W + s·B·A‖ as plain values.
    public func scale() -> [Float] {
        let n = rowNorms(delta: lora.delta())
        return (0..<outFeatures).map { magnitude.value.pointer[$0] / n[$0] }
    }

    private func withoutBias(_ x: Variable, tape: Tape) -> Variable {
        if let d = base as? DenseLinear { return tape.linear(x, d.weight) }
        return tape.linear(x, frozen: (base as! FrozenLinear).weight)
    }

    public func forward(_ x: Variable, tape: Tape) -> Variable {
        guard isEnabled, !isMerged else { return base.forward(x, tape: tape) }
        let inv = rowNorms(delta: lora.delta()).map { 1 / $0 }
        let g = tape.mul(magnitude, Variable(FloatTensor(shape: [outFeatures], values: inv)))   // (out)
        var h = x
        if lora.training, lora.dropout > 0, let rng = lora.random {
            let keep = 1 / (1 - lora.dropout), mask = FloatTensor(zeros: x.shape)
            for i in 0..<mask.count { mask.pointer[i] = rng.uniform() < lora.dropout ? 0 : keep }
            h = tape.mul(x, Variable(mask))
        }
        let low = tape.scale(tape.linear(tape.linear(h, lora.loraA), lora.loraB), by: lora.scaling)   // (N, out)
        let y = tape.scaleColumns(tape.add(withoutBias(x, tape: tape), low), g)                       // (N, out)
        let bias = (base as? DenseLinear)?.bias ?? (base as? FrozenLinear)?.bias
        return bias.map { tape.addBias(y, $0) } ?? y
    }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        lora.namedParameters() + [("lora_magnitude_vector", magnitude)]
    }

    /// W ← g ⊙ (W + s·B·A) (DenseLinear bases only).
    public func merge() throws {
        guard !isMerged else { return }
        guard let d = base as? DenseLinear else { throw AdapterError("merge needs an f32 base weight") }
        let delta = lora.delta(), g = scale(), K = inFeatures, w = d.weight.value.pointer
        for o in 0..<outFeatures { for i in 0..<K { w[o * K + i] = g[o] * (w[o * K + i] + delta[o * K + i]) } }
        mergedScale = g; isMerged = true
    }

    /// W ← W / g − s·B·A.
    public func unmerge() throws {
        guard isMerged, let d = base as? DenseLinear else { return }
        let delta = lora.delta(), K = inFeatures, w = d.weight.value.pointer
        for o in 0..<outFeatures { for i in 0..<K { w[o * K + i] = w[o * K + i] / mergedScale[o] - delta[o * K + i] } }
        isMerged = false
    }

    /// The merged weight g ⊙ (W + s·B·A) without touching the base (export).
    public func mergedWeight() -> [Float] {
        let delta = lora.delta(), g = scale(), K = inFeatures
        var w = (base as? DenseLinear)?.weight.value.array ?? frozenWeight
        for o in 0..<outFeatures { for i in 0..<K { w[o * K + i] = g[o] * (w[o * K + i] + delta[o * K + i]) } }
        return w
    }
}
