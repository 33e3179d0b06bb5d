// Classification.swift: accuracy and macro-F1 over predicted vs reference labels, as
// scikit-learn's accuracy_score and f1_score(average="macro", zero_division=0) compute them.
// Labels are compared code point for code point; the label set defaults to the sorted union of
// references and predictions (sklearn's default), or is given (sklearn's `labels=`), in which
// case predictions outside it still count as errors for the labels they should have been.
// Checked by Tests/Fixtures/metrics/classification.json.

/// Per-label precision, recall, F1 and support.
public struct LabelScore: Equatable, Sendable {
    public var label: String
    public var precision: Double
    public var recall: Double
    public var f1: Double
    /// Number of references with this label.
    public var support: Int
}

/// A classification report: accuracy, macro averages and per-label scores.
public struct ClassificationReport: Equatable, Sendable {
    public var accuracy: Double
    public var macroPrecision: Double
    public var macroRecall: Double
    public var macroF1: Double
    public var perLabel: [LabelScore]
    /// confusion[reference][prediction] = count, over all labels seen.
    public var confusion: [String: [String: Int]]
}

extension Metrics {
    /// Fraction of predictions equal to their reference (0 for no items).
    public static func accuracy(predictions: [String], references: [String]) -> Double {
        precondition(predictions.count == references.count, "accuracy: \(predictions.count) predictions but \(references.count) references")
        guard !predictions.isEmpty else { return 0 }
        return exactMatch(predictions: predictions, references: references, normalization: .none)
    }

    /// Macro-averaged F1 (unweighted mean of per-label F1; a label with no true and no predicted
    /// items scores 0, as sklearn's zero_division=0).
    public static func macroF1(predictions: [String], references: [String], labels: [String]? = nil) -> Double {
        classificationReport(predictions: predictions, references: references, labels: labels).macroF1
    }

    /// Accuracy, macro precision/recall/F1, per-label scores and the confusion counts.
    public static func classificationReport(predictions: [String], references: [String], labels: [String]? = nil) -> ClassificationReport {
        precondition(predictions.count == references.count, "classificationReport: \(predictions.count) predictions but \(references.count) references")
        typealias Key = [UInt32]
        var names: [Key: String] = [:]
        var tp: [Key: Int] = [:], predCount: [Key: Int] = [:], refCount: [Key: Int] = [:]
        var confusion: [String: [String: Int]] = [:]
        for (p, r) in zip(predictions, references) {
            let pk = PythonText.codepoints(p), rk = PythonText.codepoints(r)
            names[pk] = p; names[rk] = r
            predCount[pk, default: 0] += 1
            refCount[rk, default: 0] += 1
            if pk == rk { tp[pk, default: 0] += 1 }
            confusion[r, default: [:]][p, default: 0] += 1
        }
        let chosen: [(Key, String)] = labels.map { $0.map { (PythonText.codepoints($0), $0) } }
            ?? names.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { ($0.key, $0.value) }
        var per: [LabelScore] = []
        for (k, name) in chosen {
            let t = Double(tp[k] ?? 0), pc = Double(predCount[k] ?? 0), rc = Double(refCount[k] ?? 0)
            let precision = pc > 0 ? t / pc : 0, recall = rc > 0 ? t / rc : 0
            let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
            per.append(LabelScore(label: name, precision: precision, recall: recall, f1: f1, support: Int(rc)))
        }
        func mean(_ xs: [Double]) -> Double { xs.isEmpty ? 0 : xs.reduce(0, +) / Double(xs.count) }
        return ClassificationReport(
            accuracy: predictions.isEmpty ? 0 : accuracy(predictions: predictions, references: references),
            macroPrecision: mean(per.map(\.precision)), macroRecall: mean(per.map(\.recall)), macroF1: mean(per.map(\.f1)),
            perLabel: per, confusion: confusion)
    }
}
