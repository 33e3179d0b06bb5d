// RotaryEmbedding.swift: rotary position embedding (RoPE) in "normal" (adjacent pairs, GPT-J /
// llama.cpp LLAMA) or "NeoX" (split halves, Qwen2/GPT-NeoX) order, with linear position scaling
// and optional per-frequency factors (Llama 3 "rope_freqs").
import CKernels

public struct RotaryEmbedding: Sendable {
    public enum Order: Sendable { case normal, neox }
    public let dimensions: Int
    public let base: Float
    /// Multiplies positions (1 / linear scaling factor).
    public let positionScale: Float
    public let frequencyFactors: [Float]?
    public let order: Order

    public init(dimensions: Int, base: Float, positionScale: Float = 1, frequencyFactors: [Float]? = nil, order: Order) {
        self.dimensions = dimensions
        self.base = base
        self.positionScale = positionScale
        self.frequencyFactors = frequencyFactors
        self.order = order
    }

    /// Rotates `tokens` rows of (heads, headDim) in place; row t is at position firstPosition + t.
    public func apply(_ x: UnsafeMutablePointer<Float>, tokens: Int, heads: Int, headDim: Int, firstPosition: Int) {
        let ff = frequencyFactors
        ff.withOptionalPointer { f in
            for t in 0..<tokens {
                tk_rope(x + t * heads * headDim, Int64(heads), Int64(headDim), Int64(dimensions),
                        Int64(firstPosition + t), base, positionScale, f, order == .neox ? 1 : 0)
            }
        }
    }

    /// Writes the cos/sin table of positions firstPosition ..< firstPosition + tokens, `dimensions`
    /// floats per position, for `apply(_:tokens:heads:headDim:table:)`: every layer rotates the
    /// same positions, so the table is computed once per forward pass instead of once per layer.
    public func table(into cs: UnsafeMutablePointer<Float>, tokens: Int, firstPosition: Int) {
        frequencyFactors.withOptionalPointer { f in
            for t in 0..<tokens {
                tk_rope_cos_sin(cs + t * dimensions, Int64(dimensions), Int64(firstPosition + t), base, positionScale, f)
            }
        }
    }

    /// `apply` with a table from `table(into:tokens:firstPosition:)` (the same floats).
    public func apply(_ x: UnsafeMutablePointer<Float>, tokens: Int, heads: Int, headDim: Int, table cs: UnsafePointer<Float>) {
        for t in 0..<tokens {
            tk_rope_apply(x + t * heads * headDim, Int64(heads), Int64(headDim), Int64(dimensions), cs + t * dimensions,
                          order == .neox ? 1 : 0)
        }
    }
}

extension Optional where Wrapped == [Float] {
    func withOptionalPointer<R>(_ body: (UnsafePointer<Float>?) -> R) -> R {
        switch self {
        case .none: body(nil)
        case let .some(a): a.withUnsafeBufferPointer { body($0.baseAddress) }
        }
    }
}
