// Schedules.swift: learning-rate multipliers by optimizer step, as Hugging Face transformers'
// get_constant_schedule(_with_warmup), get_linear_schedule_with_warmup and
// get_cosine_schedule_with_warmup (LambdaLR: lr(step) = base · multiplier(step), step counted
// from 0 before the first optimizer step).
import Foundation

/// A learning-rate schedule.
public enum LearningRateSchedule: Sendable, Equatable, Codable {
    /// multiplier 1 (or a linear warmup from 0 over `warmup` steps, then 1).
    case constant(warmup: Int)
    /// Linear warmup, then linear decay to 0 at `total` steps.
    case linear(warmup: Int, total: Int)
    /// Linear warmup, then cosine decay over `cycles` (0.5: one half-cosine to 0 at `total`).
    case cosine(warmup: Int, total: Int, cycles: Double)

    public static func cosine(warmup: Int, total: Int) -> LearningRateSchedule { .cosine(warmup: warmup, total: total, cycles: 0.5) }

    /// The multiplier of the base learning rate at `step` (0-based).
    public func multiplier(step: Int) -> Double {
        func warm(_ w: Int) -> Double? { step < w ? Double(step) / Double(max(1, w)) : nil }
        switch self {
        case let .constant(w):
            return warm(w) ?? 1
        case let .linear(w, total):
            return warm(w) ?? max(0, Double(total - step) / Double(max(1, total - w)))
        case let .cosine(w, total, cycles):
            if let m = warm(w) { return m }
            let progress = Double(step - w) / Double(max(1, total - w))
            return max(0, 0.5 * (1 + cos(Double.pi * cycles * 2 * progress)))
        }
    }

    /// base · multiplier(step), as f32.
    public func learningRate(base: Float, step: Int) -> Float { Float(Double(base) * multiplier(step: step)) }
}
