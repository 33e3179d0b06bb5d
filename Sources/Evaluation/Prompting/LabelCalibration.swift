// LabelCalibration.swift: how label log-likelihoods become a choice.
//   none        argmax of the log-likelihood (lm-eval's `acc`);
//   length      argmax of the log-likelihood per UTF-8 byte of the label (lm-eval's `acc_norm`);
//   contextual  contextual calibration (Zhao et al., "Calibrate Before Use", ICML 2021): the
//               label distribution p (softmax of the log-likelihoods over the labels) is divided
//               elementwise by p_cf, the mean label distribution for content-free inputs ("N/A")
//               put in the same prompt (same instruction and shots), and renormalized:
//               q_i = (p_i / p_cf_i) / Σ_j (p_j / p_cf_j)   (W = diag(p_cf)⁻¹, b = 0).
// A model that favours a label whatever the input (majority-label, recency or common-token bias)
// has that preference divided out.
import Foundation

/// How label scores become a choice.
public enum LabelCalibration: String, Sendable, Codable, CaseIterable {
    case none, length, contextual

    /// Appended to the mode name in reports ("label", "label+norm", "label+cc").
    public var suffix: String {
        switch self {
        case .none: return ""
        case .length: return "+norm"
        case .contextual: return "+cc"
        }
    }

    /// Parses the CLI spelling (none, length/norm, contextual/cc).
    public init?(parsing s: String) {
        switch s.lowercased() {
        case "none", "raw": self = .none
        case "length", "norm", "acc_norm": self = .length
        case "contextual", "cc": self = .contextual
        default: return nil
        }
    }
}

extension LabelScorer {
    /// Label probabilities renormalized over the labels: softmax of the log-likelihoods (labels
    /// scored -inf get 0; all -inf gives a uniform distribution).
    public static func labelDistribution(_ logLikelihoods: [Double]) -> [Double] {
        guard let m = logLikelihoods.max(), m > -.infinity else {
            return logLikelihoods.map { _ in 1 / Double(max(logLikelihoods.count, 1)) }
        }
        let e = logLikelihoods.map { exp($0 - m) }
        let s = e.reduce(0, +)
        return e.map { $0 / s }
    }

    /// Contextual calibration (see the file header): the calibrated distribution over the labels
    /// for log-likelihoods `logLikelihoods`, given the labels' log-likelihoods for each
    /// content-free input. A label with p_cf = 0 keeps q = 0.
    public static func contextualCalibration(_ logLikelihoods: [Double], contentFree: [[Double]]) -> [Double] {
        let p = labelDistribution(logLikelihoods)
        guard !contentFree.isEmpty else { return p }
        precondition(contentFree.allSatisfy { $0.count == p.count }, "content-free scores for \(p.count) labels")
        var cf = [Double](repeating: 0, count: p.count)
        for row in contentFree { for (i, v) in labelDistribution(row).enumerated() { cf[i] += v / Double(contentFree.count) } }
        let q = zip(p, cf).map { $1 > 0 ? $0 / $1 : 0 }
        let s = q.reduce(0, +)
        return s > 0 ? q.map { $0 / s } : p
    }

    /// The chosen label's index under `calibration` and, for `.contextual`, the calibrated
    /// distribution (ties go to the earlier label). `contentFree` holds, per content-free input,
    /// the labels' scores in the same order (used by `.contextual` only).
    public static func choose(_ scores: [LabelLikelihood], calibration: LabelCalibration,
                              contentFree: [[LabelLikelihood]] = []) -> (index: Int, calibrated: [Double]?)? {
        guard !scores.isEmpty else { return nil }
        let values: [Double], calibrated: [Double]?
        switch calibration {
        case .none: values = scores.map(\.logLikelihood); calibrated = nil
        case .length: values = scores.map(\.normalized); calibrated = nil
        case .contextual:
            let q = contextualCalibration(scores.map(\.logLikelihood), contentFree: contentFree.map { $0.map(\.logLikelihood) })
            values = q; calibrated = q
        }
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return (best, calibrated)
    }
}
