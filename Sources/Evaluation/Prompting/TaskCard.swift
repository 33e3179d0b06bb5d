// TaskCard.swift: what an evaluation needs to know about a task set besides its examples: the
// instruction, how inputs and answers are introduced, the metric, and how answers are parsed.
// A card is read from `task.json` beside the data file; without one it is inferred (examples
// with `labels`, or whose targets are a small closed set -> classification scored by accuracy;
// otherwise exact match on the first line).
import Foundation

/// The metric a task is scored by.
public enum TaskMetric: String, Codable, Sendable, CaseIterable {
    case accuracy
    case exactMatch = "exact_match"
    case tokenF1 = "token_f1"
    case rougeL = "rouge_l"
    case bleu
}

/// A task's prompt wording, metric and answer parsing.
public struct TaskCard: Codable, Equatable, Sendable {
    /// Short task name (the data file's folder by default).
    public var name: String
    /// The instruction, first in every prompt.
    public var instruction: String
    /// Introduces each input ("Input").
    public var inputLabel: String
    /// Introduces each answer ("Answer").
    public var answerLabel: String
    public var metric: TaskMetric
    /// The allowed answers for classification tasks (from the examples when absent).
    public var labels: [String]?
    /// A regular expression whose first capture group (or whole match) is the answer, tried
    /// before the first-line rule for generation tasks.
    public var answerPattern: String?
    /// Token budget for a direct answer (chain of thought gets `reasoningMaxTokens`).
    public var maxTokens: Int?
    public var reasoningMaxTokens: Int?

    public init(name: String, instruction: String, inputLabel: String = "Input", answerLabel: String = "Answer",
                metric: TaskMetric, labels: [String]? = nil, answerPattern: String? = nil,
                maxTokens: Int? = nil, reasoningMaxTokens: Int? = nil) {
        self.name = name; self.instruction = instruction; self.inputLabel = inputLabel; self.answerLabel = answerLabel
        self.metric = metric; self.labels = labels; self.answerPattern = answerPattern
        self.maxTokens = maxTokens; self.reasoningMaxTokens = reasoningMaxTokens
    }

    enum CodingKeys: String, CodingKey {
        case name, instruction, metric, labels
        case inputLabel = "input_label", answerLabel = "answer_label", answerPattern = "answer_pattern"
        case maxTokens = "max_tokens", reasoningMaxTokens = "reasoning_max_tokens"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? "task"
        instruction = try c.decode(String.self, forKey: .instruction)
        inputLabel = try c.decodeIfPresent(String.self, forKey: .inputLabel) ?? "Input"
        answerLabel = try c.decodeIfPresent(String.self, forKey: .answerLabel) ?? "Answer"
        metric = try c.decode(TaskMetric.self, forKey: .metric)
        labels = try c.decodeIfPresent([String].self, forKey: .labels)
        answerPattern = try c.decodeIfPresent(String.self, forKey: .answerPattern)
        maxTokens = try c.decodeIfPresent(Int.self, forKey: .maxTokens)
        reasoningMaxTokens = try c.decodeIfPresent(Int.self, forKey: .reasoningMaxTokens)
    }

    /// Whether answers come from a closed label set.
    public var isClassification: Bool { !(labels ?? []).isEmpty }

    /// The card for `examples` read from `dataPath`: `task.json` in the same folder when present
    /// (labels filled from the examples if the card has none), else an inferred card.
    public static func load(forDataFile dataPath: String, examples: [TaskExample]) throws -> TaskCard {
        let dir = URL(fileURLWithPath: dataPath).deletingLastPathComponent()
        let cardURL = dir.appendingPathComponent("task.json")
        let folder = dir.lastPathComponent
        var card: TaskCard
        if FileManager.default.fileExists(atPath: cardURL.path) {
            do { card = try JSONDecoder().decode(TaskCard.self, from: Data(contentsOf: cardURL)) } catch let e as DecodingError {
                throw JSONLError(file: cardURL.path, line: 0, message: "invalid task card: \(describe(e))")
            }
            if card.name == "task" { card.name = folder }
        } else {
            card = inferred(name: folder, examples: examples)
        }
        if card.labels == nil, let l = labelSet(of: examples) { card.labels = l }
        return card
    }

    /// A card from the examples alone: classification when they carry `labels`, or when their
    /// targets form a small closed set of short answers (see `closedTargetSet`); otherwise exact
    /// match on the first line.
    public static func inferred(name: String, examples: [TaskExample]) -> TaskCard {
        if let labels = labelSet(of: examples) ?? closedTargetSet(of: examples) {
            return TaskCard(name: name, instruction: "Classify the input.", metric: .accuracy, labels: labels)
        }
        return TaskCard(name: name, instruction: "Answer with the answer only.", metric: .exactMatch)
    }

    /// The distinct targets in sorted order (the same for every split), when they look like class labels: single-line,
    /// at most 40 characters, at most 50 of them, and each used about three times or more on
    /// average (at least two examples per label for tiny sets); nil otherwise.
    static func closedTargetSet(of examples: [TaskExample]) -> [String]? {
        var out: [String] = []
        for e in examples where !out.contains(e.target) {
            if e.target.count > 40 || e.target.contains("\n") || e.target.allSatisfy(\.isWhitespace) { return nil }
            out.append(e.target)
        }
        guard out.count >= 2, out.count <= 50, out.count <= max(examples.count / 3, examples.count / 2 > 1 ? 2 : 0) else { return nil }
        return out.sorted()
    }

    /// The union of the examples' `labels`, in first-seen order; nil when no example has labels.
    static func labelSet(of examples: [TaskExample]) -> [String]? {
        var out: [String] = []
        for e in examples { for l in e.labels ?? [] where !out.contains(l) { out.append(l) } }
        return out.isEmpty ? nil : out
    }

    private static func describe(_ e: DecodingError) -> String {
        switch e {
        case .keyNotFound(let k, _): return "field '\(k.stringValue)' is missing"
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            let path = c.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? c.debugDescription : "field '\(path)': \(c.debugDescription)"
        @unknown default: return "\(e)"
        }
    }
}
