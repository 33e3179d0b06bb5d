// Eval.swift: `tailor eval`: evaluate a model on a JSONL task split in one or more prompt modes
// (zero, one, few:K, cot, sc:N, label, label:K) and compare them: a terminal table (or --json),
// optionally a self-contained HTML report. Shots come from --train (default: the split's sibling
// NAME.train.jsonl). With --select similar, shots are ranked by cosine similarity of MiniLM
// sentence embeddings when minilm is pulled (--embedder minilm|tfidf|PATH), else by TF-IDF
// (with a note). A progress bar with rate and ETA runs on stderr unless --quiet.
import ArgumentParser
import Evaluation
import Foundation
import Loading
import Models
import Retrieval

struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evaluate prompt modes on a JSONL task split and compare them.")

    @OptionGroup var model: ModelOptions
    @Option(name: .long, help: "The JSONL split to evaluate (input, target[, labels] per line; question/answer, text/label, sentence/label, instruction/output ... are recognized too).") var data: String
    @Option(name: .customLong("field-map"), help: "Name the fields when they are not recognized: input=FIELD,target=FIELD,labels=FIELD.") var fieldMap: String?
    @Option(name: .long, help: "Prompt mode: zero, one, few:K, cot, sc:N, label or label:K (repeatable to compare).")
    var prompt: [String] = []
    @Option(name: .long, help: "JSONL pool of solved examples for shots (default: NAME.train.jsonl beside --data).") var train: String?
    @Option(name: .long, help: "How shots are picked: first, random (seeded) or similar (by --embedder).") var select: String = "random"
    @Option(name: .long, help: "Embedder for --select similar: minilm (default when pulled), tfidf (lexical; the fallback), a sentence-transformers folder, or an LLM (mean-pooled).")
    var embedder: String?
    @Option(name: .long, help: "Label modes: none (log-likelihood), length (per byte, lm-eval acc_norm) or contextual (divided by the label probabilities for a content-free input, Zhao et al. 2021). Repeat or comma-separate to compare; scored once.")
    var calibrate: [String] = []
    @Option(name: .customLong("content-free"), help: "Content-free input(s) for --calibrate contextual (default N/A; several are averaged).")
    var contentFree: [String] = []
    @Option(name: .long, help: "Evaluate only the first N examples.") var limit: Int?
    @Option(name: .long, help: "Seed for shot selection and self-consistency sampling.") var seed: UInt64 = 0
    @Option(name: .long, help: "Token budget for a direct answer (default: the task card's).") var maxTokens: Int?
    @Option(name: .long, help: "A system message placed before the prompt.") var system: String?
    @Option(name: .long, help: "An adapter folder (any method: LoRA unmerged beside the quantized base, DoRA/IA3 merged at load; prefix/prompt tuning and bottleneck adapters attached to the model).") var adapter: String?
    @Flag(help: "Print the report as JSON instead of a table.") var json = false
    @Option(name: .long, help: "Also write a self-contained HTML report here.") var html: String?
    @Option(name: .customLong("json-out"), help: "Also write the JSON report here.") var jsonOut: String?
    @Flag(name: .shortAndLong, help: "No progress bar.") var quiet = false

    func validate() throws {
        for p in prompt { do { _ = try PromptMode(parsing: p) } catch { throw ValidationError("\(error)") } }
        guard ShotSelection(rawValue: select) != nil else { throw ValidationError("--select must be first, random or similar (got '\(select)')") }
        if let l = limit, l < 1 { throw ValidationError("--limit must be >= 1") }
        if let m = maxTokens, m < 1 { throw ValidationError("--max-tokens must be >= 1") }
        for c in calibrations where LabelCalibration(parsing: c) == nil {
            throw ValidationError("--calibrate must be none, length or contextual (got '\(c)')")
        }
        if embedder != nil && select != "similar" { throw ValidationError("--embedder is used only with --select similar") }
    }

    var calibrations: [String] { calibrate.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } }

    /// The embedder for similar-shot selection: nil means TF-IDF fitted on the pool.
    func shotEmbedder() throws -> Embedder? {
        guard select == "similar" else { return nil }
        switch embedder {
        case "tfidf", "lexical": return nil
        case nil:
            guard (try? EmbedderLocator.folder("minilm")) != nil else {
                if !quiet { printError("note: minilm is not pulled (`tailor pull minilm`); similar shots use TF-IDF") }
                return nil
            }
            return try EmbedderLocator.load("minilm", threads: model.threads ?? 2)
        case let spec?:
            return try EmbedderLocator.load(spec, threads: model.threads ?? 2)
        }
    }

    func run() throws {
        try reportingErrors {
            let modes = try (prompt.isEmpty ? ["zero"] : prompt).map { try PromptMode(parsing: $0) }
            let fields = try fieldMap.map { try ExampleFields(parsing: $0) } ?? .standard
            let examples = try JSONL.readExamples(at: data, fields: fields)
            guard !examples.isEmpty else { throw JSONLError(file: data, line: 0, message: "no examples") }
            let card = try TaskCard.load(forDataFile: data, examples: examples)
            let needsShots = modes.contains { $0.shotCount > 0 }
            var pool: [TaskExample] = []
            if let path = train ?? (needsShots ? Eval.siblingTrainFile(of: data) : nil) {
                pool = try JSONL.readExamples(at: path, fields: fields)
            }
            var options = EvalOptions()
            options.modes = modes
            options.limit = limit
            options.shotSelection = ShotSelection(rawValue: select)!
            options.seed = seed
            options.maxTokens = maxTokens
            options.systemPrompt = system
            if !calibrations.isEmpty { options.labelCalibrations = calibrations.compactMap { LabelCalibration(parsing: $0) } }
            if !contentFree.isEmpty { options.contentFreeInputs = contentFree }
            let loaded = try AdapterLoading.load(model.model, threads: model.threads, adapter: adapter)
            model.configure(loaded.model)
            let evalModel = try EvalModel(name: loaded.name, model: loaded.model, tokenizer: loaded.tokenizer,
                                          chatTemplateSource: loaded.chatTemplate)
            let runner = EvalRunner(model: evalModel, card: card, train: pool, options: options, embedder: try shotEmbedder())
            var bar = ProgressBar(enabled: !quiet)
            let report = try runner.run(examples, modelName: loaded.name, dataPath: data) { p in
                bar.update(done: p.done, total: p.total, label: "\(card.name) \(p.mode) [\(p.modeIndex + 1)/\(p.modeCount)]")
                if p.done == p.total { bar.finish() }
            }
            let jsonData = try report.jsonData()
            if let jsonOut { try AtomicFile.write(jsonData, to: URL(fileURLWithPath: jsonOut)) }
            if let html { try HTMLReport.write([report], to: html, title: "Tailor evaluation: \(card.name)") }
            if json {
                FileHandle.standardOutput.write(jsonData + Data("\n".utf8))
            } else {
                print(ReportTable.render(report), terminator: "")
                if !quiet {
                    let errs = ReportTable.errors(report)
                    if !errs.isEmpty { print("some wrong answers:\n" + errs, terminator: "") }
                }
                if let html { print("HTML report: \(html)") }
            }
        }
    }

    /// `dir/NAME.train.jsonl` for `dir/NAME.test.jsonl` or `dir/NAME.val.jsonl`, if it exists.
    static func siblingTrainFile(of path: String) -> String? {
        for suffix in [".test.jsonl", ".val.jsonl", ".validation.jsonl"] where path.hasSuffix(suffix) {
            let candidate = String(path.dropLast(suffix.count)) + ".train.jsonl"
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// A one-line error for the CLI.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}
