// EvalResults.swift: what an evaluation produces, per example and per prompt mode, in the shape
// the terminal table, the JSON output and the HTML report share. JSON keys are snake_case.
import Foundation

/// One example's outcome in one prompt mode.
public struct ExampleOutcome: Codable, Sendable, Equatable {
    /// 0-based position in the evaluated split.
    public var index: Int
    /// 1-based line in the data file.
    public var line: Int
    public var input: String
    public var target: String
    /// The prompt text before chat formatting.
    public var prompt: String
    /// The raw reply (for label scoring: the chosen label).
    public var reply: String
    /// The parsed answer that was scored.
    public var prediction: String
    /// Whether the prediction is right (exact match after trimming; for F1/ROUGE/BLEU: score == 1).
    public var correct: Bool
    /// The per-example score on the task metric's 0...1 scale.
    public var score: Double
    /// Self-consistency: each sampled path's parsed answer.
    public var samples: [String]?
    /// Label scoring: every label's log-likelihood.
    public var labelScores: [LabelLikelihood]?
    public var generatedTokens: Int

    public init(index: Int, line: Int, input: String, target: String, prompt: String, reply: String, prediction: String,
                correct: Bool, score: Double, samples: [String]?, labelScores: [LabelLikelihood]?, generatedTokens: Int) {
        self.index = index; self.line = line; self.input = input; self.target = target; self.prompt = prompt
        self.reply = reply; self.prediction = prediction; self.correct = correct; self.score = score
        self.samples = samples; self.labelScores = labelScores; self.generatedTokens = generatedTokens
    }
}

/// One prompt mode's run over the split.
public struct ModeRun: Codable, Sendable, Equatable {
    /// The mode's CLI spelling (zero, few:5, ...).
    public var mode: String
    /// The metric's name (accuracy, exact_match, ...).
    public var metric: String
    /// The score: a fraction, except BLEU on its 0-100 scale.
    public var score: Double
    /// Macro-F1 for classification tasks.
    public var macroF1: Double?
    public var count: Int
    public var correct: Int
    public var seconds: Double
    public var generatedTokens: Int
    public var examples: [ExampleOutcome]

    public init(mode: String, metric: String, score: Double, macroF1: Double?, count: Int, correct: Int, seconds: Double,
                generatedTokens: Int, examples: [ExampleOutcome]) {
        self.mode = mode; self.metric = metric; self.score = score; self.macroF1 = macroF1; self.count = count
        self.correct = correct; self.seconds = seconds; self.generatedTokens = generatedTokens; self.examples = examples
    }
}

/// A whole evaluation: one task, one model, several prompt modes.
public struct EvalReport: Codable, Sendable, Equatable {
    public var model: String
    public var data: String
    public var task: String
    public var metric: String
    public var shotSelection: String
    public var seed: UInt64
    public var runs: [ModeRun]

    public init(model: String, data: String, task: String, metric: String, shotSelection: String, seed: UInt64, runs: [ModeRun]) {
        self.model = model; self.data = data; self.task = task; self.metric = metric
        self.shotSelection = shotSelection; self.seed = seed; self.runs = runs
    }

    /// JSON with sorted keys, snake_case, pretty-printed.
    public func jsonData() throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        enc.keyEncodingStrategy = .convertToSnakeCase
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try enc.encode(self)
    }
}

/// Progress of a running evaluation, for progress bars.
public struct EvalProgress: Sendable {
    public var mode: String
    /// Examples finished in this mode.
    public var done: Int
    public var total: Int
    /// Index of the mode among the modes run (0-based) and their number.
    public var modeIndex: Int
    public var modeCount: Int
}
