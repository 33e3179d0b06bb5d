// FineTuneCommand.swift: `tailor finetune`: full, LoRA, QLoRA, DoRA, IA3, prompt tuning, prefix
// tuning or bottleneck-adapter fine-tuning of a GGUF model on a
// JSONL/CSV file, from flags or `--config FILE.json` (keys as FineTuneOptions; flags given on the
// command line override the file). See FineTuneSetup for what happens.
import ArgumentParser
import Foundation
import Training

struct FineTuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "finetune",
        abstract: "Fine-tune a model (full, lora, qlora, dora, ia3, prompt, prefix or adapter) and save checkpoints, metrics, a loss curve and the adapter/model.",
        discussion: """
        Methods: full (every weight), lora / qlora (--rank --alpha --dropout --targets --rslora; qlora keeps the base quantized), \
        dora (LoRA options; PEFT use_dora), ia3 (--ia3-targets --ia3-feedforward), prompt (--virtual-tokens --init-text), \
        prefix (--virtual-tokens --init-text --prefix-hidden), adapter (bottleneck: --reduction-factor --placement houlsby|pfeiffer). \
        Adapters are saved as PEFT folders (bottleneck adapters: Tailor's layout, docs/ADAPTERS.md).

        Hyperparameter search: --search KEY=V1,V2 ... (e.g. --search lr=1e-4,3e-4 rank=4,8,16) over lr, epochs, batch, \
        grad-accum, seq-len, rank, alpha, dropout, rslora, targets (a+b), virtual-tokens, prefix-hidden, reduction-factor, \
        placement, ia3-targets, ia3-feedforward, warmup, weight-decay, schedule, method, packing, patience. Grid search runs every \
        combination; random search (--search-mode random --trials N, seeded by --seed) runs N distinct ones. Each trial trains \
        for --trial-steps N or --trial-epochs E (default 1 epoch) into OUT/trials/NNN and is scored by its best validation loss \
        (needs --val or --val-split); OUT/search.md and OUT/search.json rank the trials, the table is printed, and the best \
        configuration then trains on the full budget into OUT. --resume skips finished trials and continues the final run.
        """)

    @Option(name: [.customShort("m"), .long], help: "Catalog name or .gguf path.") var model: String?
    @Option(help: "Training file (JSONL or CSV: text, prompt/completion, messages or input/target).") var data: String?
    @Option(help: "Validation file.") var val: String?
    @Option(help: "Fraction of --data held out for validation (seeded).") var valSplit: Double?
    @Option(help: "Fraction of --data held out for test (written to OUT/test.jsonl).") var testSplit: Double?
    @Option(help: "full, lora, qlora, dora, ia3, prompt, prefix or adapter.") var method: String?
    @Option(help: "Run folder.") var out: String?
    @Option var epochs: Int?
    @Option(help: "Peak learning rate.") var lr: Float?
    @Option(help: "Micro-batch size.") var batch: Int?
    @Option(help: "Micro-batches per optimizer step.") var gradAccum: Int?
    @Option(help: "Maximum tokens per example.") var seqLen: Int?
    @Option(help: "LoRA/DoRA rank.") var rank: Int?
    @Option(help: "LoRA/DoRA alpha.") var alpha: Float?
    @Option(help: "LoRA/DoRA dropout.") var dropout: Float?
    @Option(help: "prompt/prefix: number of virtual tokens (default 20).") var virtualTokens: Int?
    @Option(help: "prompt: initialize the virtual tokens from this text's embeddings; prefix: from the keys/values this text produces in every layer (Li & Liang; needs --prefix-hidden 0). Default: random.") var initText: String?
    @Option(help: "prefix: hidden width of the reparameterization MLP, folded at save (0: none).") var prefixHidden: Int?
    @Option(help: "adapter: hidden size / bottleneck width (default 16).") var reductionFactor: Int?
    @Option(help: "adapter: houlsby (after attention and MLP) or pfeiffer (after MLP only).") var placement: String?
    @Option(help: "ia3: comma-separated scaled layers (default k_proj,v_proj,down_proj).") var ia3Targets: String?
    @Option(help: "ia3: layers whose input is scaled (default down_proj).") var ia3Feedforward: String?
    @Option(help: "Comma-separated layer name patterns (default: all attention and MLP projections).") var targets: String?
    @Flag(help: "rsLoRA scaling (alpha/sqrt(r)).") var rslora = false
    @Option var seed: UInt64?
    @Option(help: "Validate and checkpoint every N optimizer steps (default: every epoch).") var valEvery: Int?
    @Option(help: "Early stopping after N validations without improvement (0: off).") var patience: Int?
    @Option(help: "Warmup steps.") var warmup: Int?
    @Option(help: "AdamW weight decay (2-D weights only; default 0).") var weightDecay: Float?
    @Option(help: "Train for exactly N optimizer steps (the schedule spans them; overrides --epochs).") var steps: Int?
    @Option(help: "cosine, linear or constant.") var schedule: String?
    @Option(help: "Stop after N optimizer steps (with a checkpoint).") var maxSteps: Int?
    @Option(help: "Field mapping, e.g. prompt=question,completion=answer.") var fieldMap: String?
    @Option(help: "User-turn template for input/target data, with {input}.") var instruction: String?
    @Option(help: "Worker threads.") var threads: Int?
    @Option(help: "JSON file with any of these settings (snake_case keys).") var config: String?
    @Flag(help: "Pack examples into full-length rows.") var packing = false
    @Flag(help: "Continue from OUT/checkpoint.") var resume = false
    @Flag(help: "Stop at the first bad line.") var strict = false
    @Flag(name: .shortAndLong, help: "No progress bar.") var quiet = false
    @Option(parsing: .upToNextOption, help: ArgumentHelp("Hyperparameter search: KEY=V1,V2 ... (e.g. lr=1e-4,3e-4 rank=4,8).", valueName: "key=values"))
    var search: [String] = []
    @Option(help: "grid (every combination; default) or random (default when --trials is given).") var searchMode: String?
    @Option(help: "Random search: number of distinct combinations to try (seeded by --seed).") var trials: Int?
    @Option(help: "Search: optimizer steps per trial.") var trialSteps: Int?
    @Option(help: "Search: epochs per trial (default 1).") var trialEpochs: Int?

    func options() throws -> FineTuneOptions {
        var o = FineTuneOptions()
        if let config {
            guard let d = FileManager.default.contents(atPath: config) else { throw ValidationError("\(config): no such file") }
            do { o = try JSONDecoder().decode(FineTuneOptions.self, from: d) } catch { throw ValidationError("\(config): \(error)") }
        }
        if let model { o.model = model }; if let data { o.data = data }; if let val { o.val = val }
        if let valSplit { o.valSplit = valSplit }; if let testSplit { o.testSplit = testSplit }; if let method { o.method = method }
        if let out { o.out = out }; if let epochs { o.epochs = epochs }; if let lr { o.lr = lr }; if let batch { o.batch = batch }
        if let gradAccum { o.gradAccum = gradAccum }; if let seqLen { o.seqLen = seqLen }; if let rank { o.rank = rank }
        if let alpha { o.alpha = alpha }; if let dropout { o.dropout = dropout }
        if let targets { o.targets = targets.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if let virtualTokens { o.virtualTokens = virtualTokens }; if let initText { o.initText = initText }
        if let prefixHidden { o.prefixHidden = prefixHidden }; if let reductionFactor { o.reductionFactor = reductionFactor }
        if let placement { o.placement = placement }
        if let ia3Targets { o.ia3Targets = ia3Targets.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if let ia3Feedforward { o.ia3Feedforward = ia3Feedforward.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if rslora { o.rslora = true }; if let seed { o.seed = seed }; if let valEvery { o.valEvery = valEvery }
        if let patience { o.patience = patience }; if let warmup { o.warmup = warmup }; if let schedule { o.schedule = schedule }
        if let weightDecay { o.weightDecay = weightDecay }; if let steps { o.steps = steps }
        if let maxSteps { o.maxSteps = maxSteps }; if let fieldMap { o.fieldMap = fieldMap }; if let instruction { o.instruction = instruction }
        if let threads { o.threads = threads }; if packing { o.packing = true }; if strict { o.strict = true }; if quiet { o.quiet = true }
        return o
    }

    func validate() throws {
        let o = try options()
        try o.check()
        if !search.isEmpty { _ = try FineTuneSearch.plan(o, specs: search, mode: searchMode, trials: trials, trialSteps: trialSteps, trialEpochs: trialEpochs) }
        else if searchMode != nil || trials != nil || trialSteps != nil || trialEpochs != nil {
            throw ValidationError("--search-mode, --trials, --trial-steps and --trial-epochs need --search")
        }
    }

    func run() throws {
        try reportingErrors {
            let o = try options()
            let r: FineTuneResult
            if search.isEmpty {
                r = try FineTuneSetup.run(o, resume: resume)
            } else {
                let plan = try FineTuneSearch.plan(o, specs: search, mode: searchMode, trials: trials, trialSteps: trialSteps, trialEpochs: trialEpochs)
                do { r = try FineTuneSearch.run(o, plan: plan, resume: resume).0 } catch let e as InterruptedSearch {
                    printError(e.description)
                    throw ExitCode(130)
                }
            }
            var msg = String(format: "%d/%d steps, last train loss %.4f, %.0f tokens/s", r.steps, r.totalSteps, r.lastTrainLoss, r.tokensPerSecond)
            if let b = r.bestValidationLoss { msg += String(format: ", best validation loss %.4f at step %d (%@/best)", b, r.bestStep ?? 0, o.out) }
            if r.stoppedEarly { msg += ", stopped early" }
            if r.interrupted { msg += "; interrupted: resume with --resume" }
            if !o.quiet { printError(msg) }
            if r.interrupted { throw ExitCode(130) }
        }
    }
}
