// PromptMode.swift: the prompting strategies an evaluation compares, parsed from the CLI
// spelling: zero | one | few:K | cot | sc:N | label | label:K.

/// How a prompt is built and answered.
public enum PromptMode: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// Instruction and input only.
    case zeroShot
    /// One solved example before the input.
    case oneShot
    /// K solved examples before the input.
    case fewShot(Int)
    /// Zero-shot, asking for step-by-step reasoning and a final "Answer:" line.
    case chainOfThought
    /// Chain of thought sampled N times; the parsed answers are majority-voted.
    case selfConsistency(Int)
    /// No generation: every allowed label is scored by log-likelihood after the prompt (K shots).
    case labelScoring(shots: Int)

    /// Parses the CLI spelling.
    public init(parsing text: String) throws {
        let t = text.lowercased().trimmingCharacters(in: .whitespaces)
        func count(_ prefix: String) throws -> Int? {
            guard t.hasPrefix(prefix) else { return nil }
            guard let k = Int(t.dropFirst(prefix.count)), k >= 1, k <= 64 else { throw PromptError.unknownMode(text) }
            return k
        }
        switch t {
        case "zero", "zero-shot", "0": self = .zeroShot
        case "one", "one-shot", "1": self = .oneShot
        case "cot": self = .chainOfThought
        case "label": self = .labelScoring(shots: 0)
        default:
            if let k = try count("few:") { self = .fewShot(k) }
            else if let n = try count("sc:") { self = .selfConsistency(n) }
            else if let k = try count("label:") { self = .labelScoring(shots: k) }
            else { throw PromptError.unknownMode(text) }
        }
    }

    /// The CLI spelling (round-trips through `init(parsing:)`).
    public var description: String {
        switch self {
        case .zeroShot: return "zero"
        case .oneShot: return "one"
        case .fewShot(let k): return "few:\(k)"
        case .chainOfThought: return "cot"
        case .selfConsistency(let n): return "sc:\(n)"
        case .labelScoring(let k): return k == 0 ? "label" : "label:\(k)"
        }
    }

    /// Solved examples shown before the input.
    public var shotCount: Int {
        switch self {
        case .zeroShot, .chainOfThought, .selfConsistency: return 0
        case .oneShot: return 1
        case .fewShot(let k): return k
        case .labelScoring(let k): return k
        }
    }

    /// Whether answers are chosen by scoring labels (no generation).
    public var isLabelScoring: Bool {
        if case .labelScoring = self { return true }
        return false
    }

    /// Whether the prompt asks for reasoning before the answer.
    public var usesReasoning: Bool {
        switch self {
        case .chainOfThought, .selfConsistency: return true
        default: return false
        }
    }
}

import Foundation
