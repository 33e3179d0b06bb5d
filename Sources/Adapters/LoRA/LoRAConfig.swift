// LoRAConfig.swift: the hyperparameters of LoRA (Hu et al. 2021, "LoRA: Low-Rank Adaptation of
// Large Language Models"): W' = W + s·B·A with A (r, in), B (out, r), s = alpha / r, or
// alpha / √r with rsLoRA (Kalajdzievski 2023). Field meanings follow PEFT's LoraConfig.
// Target modules match PEFT's rule: a layer named "model.layers.3.self_attn.q_proj" matches
// "q_proj" (a suffix after a dot) or the whole name; a pattern with '*' is a glob on the name.
import Foundation

/// LoRA hyperparameters (PEFT's LoraConfig subset).
public struct LoRAConfig: Codable, Equatable, Sendable {
    public var rank: Int
    public var alpha: Float
    public var dropout: Float
    /// Layer name patterns to adapt.
    public var targetModules: [String]
    /// Scale by alpha/√r instead of alpha/r.
    public var useRSLoRA: Bool

    /// All attention and MLP projections of a Llama-family block.
    public static let defaultTargets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

    public init(rank: Int = 8, alpha: Float = 16, dropout: Float = 0, targetModules: [String] = LoRAConfig.defaultTargets,
                useRSLoRA: Bool = false) {
        self.rank = rank; self.alpha = alpha; self.dropout = dropout; self.targetModules = targetModules; self.useRSLoRA = useRSLoRA
    }

    /// The factor s in W + s·B·A.
    public var scaling: Float { useRSLoRA ? alpha / Float(rank).squareRoot() : alpha / Float(rank) }

    /// Whether the layer called `name` is adapted.
    public func targets(_ name: String) -> Bool {
        targetModules.contains { LoRAConfig.matches(name, pattern: $0) }
    }

    /// PEFT's suffix rule, or a glob when the pattern has '*'.
    public static func matches(_ name: String, pattern: String) -> Bool {
        if pattern.contains("*") { return glob(Array(name), Array(pattern)) }
        return name == pattern || name.hasSuffix("." + pattern)
    }

    static func glob(_ s: [Character], _ p: [Character]) -> Bool {
        var i = 0, j = 0, star = -1, mark = 0
        while i < s.count {
            if j < p.count, p[j] == s[i] { i += 1; j += 1 } else if j < p.count, p[j] == "*" { star = j; mark = i; j += 1 } else if star >= 0 { j = star + 1; mark += 1; i = mark } else { return false }
        }
        while j < p.count, p[j] == "*" { j += 1 }
        return j == p.count
    }

    /// Throws a message naming the bad value.
    public func validate() throws {
        guard rank >= 1 else { throw AdapterError("--rank must be >= 1 (got \(rank))") }
        guard alpha > 0 else { throw AdapterError("--alpha must be > 0 (got \(alpha))") }
        guard dropout >= 0, dropout < 1 else { throw AdapterError("--dropout must be in [0, 1) (got \(dropout))") }
        guard !targetModules.isEmpty else { throw AdapterError("--targets is empty") }
    }
}

/// An adapter problem, with a message naming the file, key or value.
public struct AdapterError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ message: String) { description = message }
}
