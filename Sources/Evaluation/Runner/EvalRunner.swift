// EvalRunner.swift: an evaluation over a task split: for every prompt mode and example, build the
// prompt (shots from the pool), apply the chat template, then either generate greedily up to a
// token budget and stop at end-of-turn (zero/one/few-shot, chain of thought), sample N reasoning
// paths and majority-vote their answers (self-consistency), or score every label by
// log-likelihood (label scoring); parse the answer and score it by the task's metric. Label modes
// score each example once and report one run per requested calibration (none, length,
// contextual: the content-free inputs are scored in the same prompt, cached by prompt text).
import Foundation
import Generation
import Models
import Tokenizers

/// Settings of an evaluation run.
public struct EvalOptions: Sendable {
    public var modes: [PromptMode] = [.zeroShot]
    /// Evaluate only the first N examples.
    public var limit: Int?
    public var shotSelection: ShotSelection = .random
    /// Seeds shot selection and self-consistency sampling.
    public var seed: UInt64 = 0
    /// Overrides the card's direct-answer token budget.
    public var maxTokens: Int?
    /// Sampling for self-consistency paths (the seed is mixed per example and path).
    public var consistencySampling = SamplingConfig(temperature: 0.7, topK: 40, topP: 0.95, minP: 0.05)
    /// An optional system message.
    public var systemPrompt: String?
    /// Label modes: one run per calibration, from one scoring pass.
    public var labelCalibrations: [LabelCalibration] = [.none]
    /// Content-free inputs for contextual calibration (their label distributions are averaged).
    public var contentFreeInputs: [String] = ["N/A"]

    public init() {}
}

/// Runs prompt modes over a split.
public final class EvalRunner {
    public let model: EvalModel
    public let card: TaskCard
    public let builder: PromptBuilder
    public let pool: ShotPool
    public let options: EvalOptions
    /// Label scores of content-free prompts, by rendered prompt text.
    private var contentFreeCache: [String: [LabelLikelihood]] = [:]

    /// - Parameter train: the shot pool (the training split); may be empty for zero-shot modes.
    public init(model: EvalModel, card: TaskCard, train: [TaskExample], options: EvalOptions, embedder: Embedder? = nil) {
        self.model = model
        self.card = card
        self.options = options
        builder = PromptBuilder(card: card)
        pool = ShotPool(examples: train, selection: options.shotSelection, seed: options.seed, embedder: embedder)
    }

    /// Evaluates `examples` in every mode of the options.
    public func run(_ examples: [TaskExample], modelName: String, dataPath: String,
                    progress: (EvalProgress) -> Void = { _ in }) throws -> EvalReport {
        let items = options.limit.map { Array(examples.prefix($0)) } ?? examples
        var runs: [ModeRun] = []
        for (mi, mode) in options.modes.enumerated() {
            if case .labelScoring = mode, !card.isClassification {
                throw EvalError.labelScoringNeedsLabels(task: card.name)
            }
            if mode.shotCount > 0, pool.examples.isEmpty { throw PromptError.emptyPool(needed: mode.shotCount) }
            let t0 = Date()
            let cals = mode.isLabelScoring ? (options.labelCalibrations.isEmpty ? [.none] : options.labelCalibrations) : [LabelCalibration.none]
            var outcomes = [[ExampleOutcome]](repeating: [], count: cals.count)
            progress(EvalProgress(mode: mode.description, done: 0, total: items.count, modeIndex: mi, modeCount: options.modes.count))
            for (i, ex) in items.enumerated() {
                if mode.isLabelScoring {
                    for (c, o) in try evaluateLabels(ex, index: i, mode: mode, calibrations: cals).enumerated() { outcomes[c].append(o) }
                } else {
                    outcomes[0].append(try evaluate(ex, index: i, mode: mode))
                }
                progress(EvalProgress(mode: mode.description, done: i + 1, total: items.count, modeIndex: mi, modeCount: options.modes.count))
            }
            let seconds = Date().timeIntervalSince(t0)
            for (c, cal) in cals.enumerated() {
                runs.append(summarize(mode: mode.description + cal.suffix, outcomes: outcomes[c], seconds: seconds))
            }
        }
        return EvalReport(model: modelName, data: dataPath, task: card.name, metric: card.metric.rawValue,
                          shotSelection: pool.embedderIdentity.map { "similar (\($0))" } ?? options.shotSelection.rawValue, seed: options.seed, runs: runs)
    }

    /// One example in a label mode: scored once, one outcome per calibration.
    public func evaluateLabels(_ ex: TaskExample, index: Int, mode: PromptMode, calibrations: [LabelCalibration]) throws -> [ExampleOutcome] {
        let shots = try pool.shots(mode.shotCount, for: ex)
        let prompt = try builder.prompt(for: ex, shots: shots, mode: mode)
        let scores = try labelScores(userPrompt: prompt)
        var contentFree: [[LabelLikelihood]] = []
        if calibrations.contains(.contextual) {
            for input in options.contentFreeInputs {
                let p = try builder.prompt(for: TaskExample(input: input, target: ""), shots: shots, mode: mode)
                if let cached = contentFreeCache[p] { contentFree.append(cached); continue }
                let s = try labelScores(userPrompt: p)
                contentFreeCache[p] = s
                contentFree.append(s)
            }
        }
        return calibrations.map { cal in
            var ls = scores
            var prediction = ""
            if let choice = LabelScorer.choose(scores, calibration: cal, contentFree: contentFree) {
                prediction = scores[choice.index].label
                if let q = choice.calibrated { for i in ls.indices { ls[i].calibrated = q[i] } }
            }
            let score = exampleScore(prediction: prediction, target: ex.target)
            return ExampleOutcome(index: index, line: ex.line, input: ex.input, target: ex.target, prompt: prompt, reply: prediction,
                                  prediction: prediction, correct: score >= 1 - 1e-9, score: score, samples: nil,
                                  labelScores: ls, generatedTokens: 0)
        }
    }

    /// Every label's log-likelihood after the chat-rendered `userPrompt`.
    func labelScores(userPrompt: String) throws -> [LabelLikelihood] {
        let rendered = try model.render(userPrompt: userPrompt, system: options.systemPrompt)
        let scorer = LabelScorer(model: model.model, tokenizer: model.tokenizer)
        return try scorer.score(prompt: rendered, promptTokens: model.tokens(ofRendered: rendered), labels: card.labels ?? [])
    }

    /// One example in one mode (label modes: the first requested calibration).
    public func evaluate(_ ex: TaskExample, index: Int, mode: PromptMode) throws -> ExampleOutcome {
        if mode.isLabelScoring {
            return try evaluateLabels(ex, index: index, mode: mode, calibrations: [options.labelCalibrations.first ?? .none])[0]
        }
        let shots = try pool.shots(mode.shotCount, for: ex)
        let prompt = try builder.prompt(for: ex, shots: shots, mode: mode)
        let rendered = try model.render(userPrompt: prompt, system: options.systemPrompt)
        let tokens = model.tokens(ofRendered: rendered)
        let extractor = builder.extractor(for: mode)
        var reply = "", prediction = "", samples: [String]? = nil, generated = 0
        switch mode {
        case .selfConsistency(let n):
            var answers: [String] = [], replies: [String] = []
            for path in 0..<n {
                var sampling = options.consistencySampling
                sampling.seed = options.seed &* 0x9E37_79B9 &+ UInt64(index) &* 1_000_003 &+ UInt64(path)
                let r = try generate(tokens, maxTokens: reasoningBudget, sampling: sampling)
                generated += r.tokens.count
                replies.append(r.text)
                answers.append(extractor.extract(r.text))
            }
            let vote = MajorityVote(answers)
            samples = answers
            prediction = vote.answer
            reply = replies.first(where: { extractor.extract($0) == vote.answer }) ?? replies.first ?? ""
        default:
            let r = try generate(tokens, maxTokens: mode.usesReasoning ? reasoningBudget : answerBudget, sampling: .greedy)
            generated = r.tokens.count
            reply = r.text
            prediction = extractor.extract(reply)
        }
        let score = exampleScore(prediction: prediction, target: ex.target)
        return ExampleOutcome(index: index, line: ex.line, input: ex.input, target: ex.target, prompt: prompt, reply: reply,
                              prediction: prediction, correct: score >= 1 - 1e-9, score: score, samples: samples,
                              labelScores: nil, generatedTokens: generated)
    }

    var answerBudget: Int { options.maxTokens ?? card.maxTokens ?? (card.isClassification ? 16 : 32) }
    var reasoningBudget: Int { max(card.reasoningMaxTokens ?? 160, answerBudget) }

    private func generate(_ tokens: [Int32], maxTokens: Int, sampling: SamplingConfig) throws -> GenerationResult {
        let tok = model.tokenizer
        let gen = Generator(model: model.model, piece: { tok.tokenPiece($0) }, endOfGeneration: tok.endOfGenerationIDs)
        return try gen.generate(tokens, options: GenerationOptions(maxTokens: maxTokens, sampling: sampling))
    }

    /// The per-example score on the task metric (0...1).
    func exampleScore(prediction: String, target: String) -> Double {
        switch card.metric {
        case .accuracy, .exactMatch:
            return Metrics.isExactMatch(prediction: prediction, reference: target, normalization: .trimmingWhitespace) ? 1 : 0
        case .tokenF1: return Metrics.tokenF1(prediction: prediction, reference: target)
        case .rougeL: return Metrics.rougeL(prediction: prediction, target: target).fmeasure
        case .bleu: return Metrics.sentenceBLEU(hypothesis: prediction, references: [target]).score / 100
        }
    }

    /// The run's score by the task metric, from its outcomes.
    func summarize(mode: String, outcomes: [ExampleOutcome], seconds: Double) -> ModeRun {
        let preds = outcomes.map(\.prediction), refs = outcomes.map(\.target)
        let score: Double
        switch card.metric {
        case .accuracy, .exactMatch:
            score = preds.isEmpty ? 0 : Metrics.exactMatch(predictions: preds, references: refs, normalization: .trimmingWhitespace)
        case .tokenF1: score = preds.isEmpty ? 0 : Metrics.meanTokenF1(predictions: preds, references: refs)
        case .rougeL: score = preds.isEmpty ? 0 : Metrics.meanRougeL(predictions: preds, targets: refs)
        case .bleu: score = Metrics.corpusBLEU(hypotheses: preds, references: refs.map { [$0] }).score
        }
        let macro = card.isClassification && !preds.isEmpty
            ? Metrics.macroF1(predictions: preds.map { $0.trimmingCharacters(in: .whitespaces) }, references: refs, labels: card.labels)
            : nil
        return ModeRun(mode: mode, metric: card.metric.rawValue, score: score, macroF1: macro, count: outcomes.count,
                       correct: outcomes.filter(\.correct).count, seconds: seconds,
                       generatedTokens: outcomes.reduce(0) { $0 + $1.generatedTokens }, examples: outcomes)
    }
}

/// Evaluation set-up errors.
public enum EvalError: Error, CustomStringConvertible, Equatable {
    case labelScoringNeedsLabels(task: String)
    case textTooShort(tokens: Int, needed: Int)

    public var description: String {
        switch self {
        case .labelScoringNeedsLabels(let t): return "label scoring needs a classification task, but '\(t)' has no labels"
        case let .textTooShort(n, k): return "the text has \(n) tokens; perplexity with this context needs at least \(k)"
        }
    }
}
