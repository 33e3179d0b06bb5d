// LoRALinear.swift: the LoRA layer wrapper: y = base(x) + s · dropout(x) · Aᵀ · Bᵀ, with
// A (r, in) and B (out, r) trainable and the base frozen (a DenseLinear or a quantized
// FrozenLinear for QLoRA). A is initialized as PEFT does (kaiming_uniform with a = √5, i.e.
// U(−1/√in, 1/√in)), B = 0, so a fresh adapter leaves the model unchanged. Dropout is inverted
// (kept values scaled by 1/(1−p)) with masks from the shared RandomState, in training only.
// merge() folds s·B·A into a DenseLinear base weight; unmerge() takes it out again.
import CKernels
import NN
import Tensor
import Training

/// A linear layer with a low-rank update.
public final class LoRALinear: LinearLayer {
    public let base: any LinearLayer
    public let loraA: Parameter     // (r, in)
    public let loraB: Parameter     // (out, r)
    public var scaling: Float
    public var dropout: Float
    /// Dropout masks come from here; nil (or `training == false`) disables dropout.
    public var random: RandomState?
    public var training = true
    /// False runs the base alone (the adapter is kept).
    public var isEnabled = true
    public private(set) var isMerged = false

    public init(base: any LinearLayer, rank: Int, scaling: Float, dropout: Float = 0, random: RandomState?) {
        self.base = base
        let inF = base.inFeatures, outF = base.outFeatures
        let bound = 1 / Float(inF).squareRoot()
        let a = (0..<(rank * inF)).map { _ in ((random?.uniform() ?? 0.5) * 2 - 1) * bound }
        loraA = Parameter(shape: [rank, inF], values: a)
        loraB = Parameter(FloatTensor(zeros: [outF, rank]))
        self.scaling = scaling
        self.dropout = dropout
        self.random = random
    }

    public var rank: Int { loraA.shape[0] }
    public var inFeatures: Int { base.inFeatures }
    public var outFeatures: Int { base.outFeatures }

    public func forward(_ x: Variable, tape: Tape) -> Variable {
        if isEnabled, !isMerged, let dense = base as? DenseLinear, dense.bias == nil {  // one fused op, same math
            return tape.lowRankLinear(x, dense.weight, a: loraA, b: loraB, scaling: scaling, input: droppedInput(x, tape: tape))
        }
        let y = base.forward(x, tape: tape)                                              // (N, out)
        guard isEnabled, !isMerged else { return y }
        let h = droppedInput(x, tape: tape) ?? x
        let low = tape.linear(tape.linear(h, loraA), loraB)                              // (N, r) -> (N, out)
        return tape.add(y, tape.scale(low, by: scaling))
    }

    /// x after inverted dropout (training with dropout > 0), else nil.
    private func droppedInput(_ x: Variable, tape: Tape) -> Variable? {
        guard training, dropout > 0, let rng = random else { return nil }
        let keep = 1 / (1 - dropout)
        let mask = FloatTensor(zeros: x.shape)
        for i in 0..<mask.count { mask.pointer[i] = rng.uniform() < dropout ? 0 : keep }
        return tape.mul(x, Variable(mask))                                               // (N, in)
    }

    public func namedParameters() -> [(name: String, parameter: Parameter)] {
        base.namedParameters(prefix: "base_layer") + [("lora_A.weight", loraA), ("lora_B.weight", loraB)]
    }

    /// s·B·A as an (out, in) row-major f32 array.
    public func delta() -> [Float] {
        let M = outFeatures, K = inFeatures, r = rank
        var d = [Float](repeating: 0, count: M * K)
        d.withUnsafeMutableBufferPointer { p in
            tk_sgemm(0, 0, Int64(M), Int64(K), Int64(r), scaling, loraB.value.pointer, Int64(r), loraA.value.pointer, Int64(K),
                     0, p.baseAddress!, Int64(K))
        }
        return d
    }

    /// Adds s·B·A into the base weight (DenseLinear bases only).
    public func merge() throws {
        guard !isMerged else { return }
        try addDelta(sign: 1)
        isMerged = true
    }

    /// Subtracts s·B·A from the base weight again.
    public func unmerge() throws {
        guard isMerged else { return }
        try addDelta(sign: -1)
        isMerged = false
    }

    private func addDelta(sign: Float) throws {
        guard let dense = base as? DenseLinear else {
            throw AdapterError("merge needs an f32 base weight; a quantized base is merged when exporting (tailor merge)")
        }
        let d = delta()
        let w = dense.weight.value.pointer
        for i in 0..<d.count { w[i] += sign * d[i] }
    }
}
