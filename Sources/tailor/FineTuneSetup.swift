// FineTuneSetup.swift: the glue behind `tailor finetune`: options (flags or --config JSON) ->
// model, tokenizer and chat template -> datasets (files or seeded splits, leak check) -> training
// graph (full: every weight as f32; lora: frozen f32 base + LoRA; qlora: base frozen in its GGUF
// quant type + LoRA; dora, ia3, prompt, prefix, adapter: frozen f32 base + that method from the
// AdapterRegistry) -> FineTune.run. Artifacts: a PEFT folder plus adapter.gguf (llama.cpp) for
// LoRA; the method's folder (PEFT's format; Tailor's for bottleneck adapters) for the others;
// model.safetensors (HF names, GGUF q/k order) plus model.gguf for full fine-tuning.
import Adapters
import ArgumentParser
import Evaluation
import Foundation
import Formats
import Loading
import Models
import NN
import Tensor
import Tokenizers
import Training

/// Every setting of a fine-tuning run (the --config JSON uses these keys).
struct FineTuneOptions: Codable {
    var model = "smollm2-135m-instruct"
    var data = ""
    var val: String?
    var valSplit: Double?
    var testSplit: Double?
    var method = "lora"
    var out = "runs/finetune"
    var epochs = 3
    var lr: Float = 2e-4
    var batch = 8
    var gradAccum = 1
    var seqLen = 256
    var rank = 8
    var alpha: Float = 16
    var dropout: Float = 0
    var targets = LoRAConfig.defaultTargets
    var rslora = false
    var seed: UInt64 = 0
    var valEvery = 0
    var patience = 0
    var warmup = 0
    var schedule = "cosine"
    var weightDecay: Float = 0
    var maxSteps: Int?
    /// Train for exactly this many optimizer steps (overrides epochs for the schedule's length).
    var steps: Int?
    var packing = false
    var strict = false
    var fieldMap: String?
    var instruction: String?
    var threads: Int?
    var quiet = false
    var virtualTokens = 20
    var initText: String?
    var prefixHidden = 0
    var reductionFactor = 16
    var placement = "houlsby"
    var ia3Targets = ["k_proj", "v_proj", "down_proj"]
    var ia3Feedforward = ["down_proj"]

    enum CodingKeys: String, CodingKey {
        case model, data, val, valSplit = "val_split", testSplit = "test_split", method, out, epochs, lr, batch, gradAccum = "grad_accum",
             seqLen = "seq_len", rank, alpha, dropout, targets, rslora, seed, valEvery = "val_every", patience, warmup, schedule,
             weightDecay = "weight_decay", maxSteps = "max_steps", steps, packing, strict, fieldMap = "field_map", instruction, threads, quiet,
             virtualTokens = "virtual_tokens", initText = "init_text", prefixHidden = "prefix_hidden", reductionFactor = "reduction_factor",
             placement, ia3Targets = "ia3_targets", ia3Feedforward = "ia3_feedforward"
    }
}

extension FineTuneOptions {
    init(from d: Decoder) throws {
        self.init()
        let c = try d.container(keyedBy: CodingKeys.self)
        func get<T: Decodable>(_ k: CodingKeys, _ v: inout T) throws { if let x = try c.decodeIfPresent(T.self, forKey: k) { v = x } }
        try get(.model, &model); try get(.data, &data); val = try c.decodeIfPresent(String.self, forKey: .val)
        valSplit = try c.decodeIfPresent(Double.self, forKey: .valSplit); testSplit = try c.decodeIfPresent(Double.self, forKey: .testSplit)
        try get(.method, &method); try get(.out, &out); try get(.epochs, &epochs); try get(.lr, &lr); try get(.batch, &batch)
        try get(.gradAccum, &gradAccum); try get(.seqLen, &seqLen); try get(.rank, &rank); try get(.alpha, &alpha)
        try get(.dropout, &dropout); try get(.targets, &targets); try get(.rslora, &rslora); try get(.seed, &seed)
        try get(.valEvery, &valEvery); try get(.patience, &patience); try get(.warmup, &warmup); try get(.schedule, &schedule)
        try get(.weightDecay, &weightDecay); maxSteps = try c.decodeIfPresent(Int.self, forKey: .maxSteps)
        steps = try c.decodeIfPresent(Int.self, forKey: .steps)
        try get(.packing, &packing); try get(.strict, &strict); fieldMap = try c.decodeIfPresent(String.self, forKey: .fieldMap)
        instruction = try c.decodeIfPresent(String.self, forKey: .instruction); threads = try c.decodeIfPresent(Int.self, forKey: .threads)
        try get(.quiet, &quiet); try get(.virtualTokens, &virtualTokens); initText = try c.decodeIfPresent(String.self, forKey: .initText)
        try get(.prefixHidden, &prefixHidden); try get(.reductionFactor, &reductionFactor); try get(.placement, &placement)
        try get(.ia3Targets, &ia3Targets); try get(.ia3Feedforward, &ia3Feedforward)
    }

    /// Checks the settings (the messages name the flag at fault).
    func check() throws {
        guard !data.isEmpty else { throw ValidationError("--data is required (or \"data\" in --config)") }
        let methods = ["full", "lora", "qlora", "dora", "ia3", "prompt", "prefix", "adapter"]
        guard methods.contains(method) else { throw ValidationError("--method must be one of \(methods.joined(separator: ", "))") }
        guard virtualTokens >= 1, prefixHidden >= 0, reductionFactor >= 1 else {
            throw ValidationError("--virtual-tokens and --reduction-factor must be >= 1, --prefix-hidden >= 0")
        }
        guard ["houlsby", "pfeiffer"].contains(placement) else { throw ValidationError("--placement must be houlsby or pfeiffer") }
        guard ["cosine", "linear", "constant"].contains(schedule) else { throw ValidationError("--schedule must be cosine, linear or constant") }
        guard epochs >= 1, batch >= 1, gradAccum >= 1, seqLen >= 2 else { throw ValidationError("--epochs, --batch, --grad-accum must be >= 1 and --seq-len >= 2") }
        guard lr > 0 else { throw ValidationError("--lr must be > 0") }
        guard rank >= 1, alpha > 0, dropout >= 0, dropout < 1 else { throw ValidationError("--rank >= 1, --alpha > 0 and --dropout in [0, 1)") }
        guard warmup >= 0, weightDecay >= 0 else { throw ValidationError("--warmup and --weight-decay must be >= 0") }
        guard (steps ?? 1) >= 1 else { throw ValidationError("--steps must be >= 1") }
        guard (valSplit ?? 0) + (testSplit ?? 0) < 1 else { throw ValidationError("--val-split + --test-split must be < 1") }
    }

    /// The adapter options of this run.
    func adapterOptions(tokenizer: Tokenizer) -> AdapterOptions {
        var a = AdapterOptions()
        a.lora = LoRAConfig(rank: rank, alpha: alpha, dropout: dropout, targetModules: targets, useRSLoRA: rslora)
        a.virtualTokens = virtualTokens; a.prefixHidden = prefixHidden; a.reductionFactor = reductionFactor; a.placement = placement
        a.ia3Targets = ia3Targets; a.ia3Feedforward = ia3Feedforward; a.initText = initText
        a.initTokens = initText.map { tokenizer.encode($0, addSpecial: false, parseSpecial: false) }
        return a
    }
}

/// Runs a fine-tuning job from options.
enum FineTuneSetup {
    static func say(_ o: FineTuneOptions, _ m: String) { if !o.quiet { printError(m) } }

    /// For task-set data (input/target or the other names `tailor eval` reads, not TRL's
    /// text/prompt-completion/messages layouts), the user turn is the task's zero-shot prompt
    /// (`task.json` beside the data, or the card inferred from the examples, as `tailor eval`
    /// does), so that `tailor eval --adapter DIR --prompt zero` asks the tuned model exactly what
    /// it was trained on. Nil for other data.
    static func taskCardInstruction(for data: String, quiet: Bool) throws -> String? {
        let dir = URL(fileURLWithPath: data).deletingLastPathComponent()
        guard data.hasSuffix(".jsonl"), let records = try? JSONL.readRecords(at: data),
              records.allSatisfy({ r in ["messages", "prompt", "completion"].allSatisfy { r.fields[$0] == nil } }),
              let examples = try? JSONL.readExamples(at: data), !examples.isEmpty else { return nil }
        let card = try TaskCard.load(forDataFile: data, examples: examples)
        let marker = "\u{1}INPUT\u{1}"
        let text = try PromptBuilder(card: card).prompt(for: TaskExample(input: marker, target: ""), shots: [], mode: .zeroShot)
        let source = FileManager.default.fileExists(atPath: dir.appendingPathComponent("task.json").path)
            ? "\(dir.path)/task.json" : "the task inferred from the data (as `tailor eval` infers it)"
        if !quiet { printError("note: user turns use the zero-shot prompt of \(source) (--instruction overrides)") }
        return text.replacingOccurrences(of: marker, with: "{input}")
    }

    /// Runs the job in `o`; without `saveArtifacts` the trained adapter/model is not written
    /// (search trials of full fine-tuning).
    static func run(_ o: FineTuneOptions, resume: Bool, saveArtifacts: Bool = true) throws -> FineTuneResult {
        let loaded = try ModelLoader.load(o.model, threads: o.threads)
        let template = try loaded.chatTemplate.map { try ChatTemplate(source: $0) }
        var fmt = SFTFormatter(tokenizer: loaded.tokenizer, chatTemplate: template)
        if let f = o.fieldMap { fmt.fields = try FieldMapping(parsing: f) }
        fmt.instruction = try o.instruction ?? taskCardInstruction(for: o.data, quiet: o.quiet)
        var dopt = DataOptions()
        dopt.sequenceLength = o.seqLen; dopt.strict = o.strict
        var train = try SFTDataset.load(o.data, formatter: fmt, options: dopt)
        var val = try o.val.map { try SFTDataset.load($0, formatter: fmt, options: dopt) } ?? SFTDataset(examples: [])
        try FileManager.default.createDirectory(atPath: o.out, withIntermediateDirectories: true)
        if o.valSplit != nil || o.testSplit != nil {
            let (tr, va, te) = try train.split(validation: o.valSplit ?? 0, test: o.testSplit ?? 0, seed: o.seed)
            train = tr
            if o.val == nil { val = va }
            for (name, part) in [("train", tr), ("val", va), ("test", te)] {
                try Data(part.records.map { $0.raw + "\n" }.joined().utf8).write(to: URL(fileURLWithPath: "\(o.out)/\(name).jsonl"), options: .atomic)
            }
        }
        for p in (train.problems + val.problems).prefix(20) { printError("warning: skipped \(p)") }
        if train.problems.count + val.problems.count > 20 { printError("warning: \(train.problems.count + val.problems.count - 20) more lines skipped") }
        let truncated = train.truncatedCount + val.truncatedCount
        if truncated > 0 { printError("warning: \(truncated) examples truncated to --seq-len \(o.seqLen) tokens") }
        guard !train.examples.isEmpty else { throw DataError("\(o.data): no usable training examples") }
        if !val.examples.isEmpty {
            let report = LeakChecker.check([SplitFile(name: "train", path: o.data, examples: train.leakItems(fields: fmt.fields)),
                                            SplitFile(name: "val", path: o.val ?? o.data, examples: val.leakItems(fields: fmt.fields))])
            if report.hasLeaks { printError("warning: \(report.exactCount) exact and \(report.nearCount) near duplicates between train and validation") }
        }
        if o.packing {
            train.examples = SFTDataset.pack(train.examples, length: o.seqLen)
            val.examples = SFTDataset.pack(val.examples, length: o.seqLen)
        }

        let weights = GGUFWeights(file: loaded.file)
        let arch = loaded.file.string("general.architecture") ?? "llama"
        let config = try LlamaConfig(architecture: arch, source: weights, ropeNeox: arch == "qwen2",
                                     embeddingRows: try weights.matrix("token_embd.weight").rows)
        let graph = try LlamaTrainingGraph(config: config, weights: weights, base: o.method == "qlora" ? .frozen : .trainable)
        let random = RandomState(seed: o.seed)
        var saveArtifact: (String) throws -> Void
        var setTraining: (Bool) -> Void = { _ in }
        if o.method == "full" {
            saveArtifact = { dir in try FullModelExport.save(graph: graph, base: loaded.file, to: dir) }
        } else if !["lora", "qlora"].contains(o.method) {
            let ctx = AdapterContext(graphConfig: config, ggufOrder: true, baseModel: loaded.name)
            let adapter = try AdapterRegistry.attach(o.method, options: o.adapterOptions(tokenizer: loaded.tokenizer), to: graph, context: ctx, random: random)
            if let prefix = adapter as? PrefixTuningAdapter, let text = o.initText, let llama = loaded.model as? LlamaModel {
                // Li & Liang: start from the keys/values of a real text (its tokens repeated or cut to P).
                let ids = loaded.tokenizer.encode(text, addSpecial: false, parseSpecial: false)
                guard !ids.isEmpty else { throw AdapterError("--init-text has no tokens") }
                let rows = try InferenceAdapters.tokenRows((0..<prefix.virtualTokens).map { ids[$0 % ids.count] }, model: llama)
                try prefix.initialize(keys: rows.keys, values: rows.values)
            }
            saveArtifact = { dir in try adapter.save(to: dir, context: ctx) }
            setTraining = { adapter.setTraining($0) }
        } else {
            let lora = LoRAConfig(rank: o.rank, alpha: o.alpha, dropout: o.dropout, targetModules: o.targets, useRSLoRA: o.rslora)
            try LoRA.apply(lora, to: graph, random: random)
            saveArtifact = { dir in
                let layers = LoRA.layers(in: graph)
                try PEFTFolder.save(layers, config: lora, graphConfig: config, ggufOrder: true, baseModel: loaded.name, to: dir)
                try GGUFLoRA.write(layers, config: lora, graphConfig: config, ggufOrder: true, to: dir + "/adapter.gguf")
            }
            setTraining = { LoRA.setTraining($0, in: graph) }
        }
        if !saveArtifacts { saveArtifact = { _ in } }
        var params = graph.namedParameters().filter { !$0.parameter.isFrozen }
        for h in graph.hooks { if let a = h as? any Adapter { params += a.namedParameters } }
        let trainable = params.reduce(0) { $0 + $1.parameter.count }
        say(o, "\(o.method): \(trainable) trainable parameters (\(String(format: "%.3f", 100 * Double(trainable) / Double(graph.parameterCount())))% of \(graph.parameterCount())); "
            + "\(train.examples.count) training examples (\(train.lossTokenCount) target tokens), \(val.examples.count) validation")
        let pad = loaded.tokenizer.paddingID ?? loaded.tokenizer.eosID ?? 0
        var job = FineTuneJob(graph: graph, parameters: params, train: train.examples, validation: val.examples, padID: pad,
                              random: random, pool: loaded.pool, directory: o.out, saveArtifact: saveArtifact)
        job.setTraining = setTraining
        var c = FineTuneConfig()
        c.epochs = o.epochs; c.learningRate = o.lr; c.batchSize = o.batch; c.gradientAccumulation = o.gradAccum
        c.schedule = o.schedule; c.warmupSteps = o.warmup; c.weightDecay = o.weightDecay; c.validateEvery = o.valEvery
        c.patience = o.patience; c.seed = o.seed; c.maxSteps = o.maxSteps; c.totalSteps = o.steps; c.quiet = o.quiet
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(o).write(to: URL(fileURLWithPath: o.out + "/options.json"), options: .atomic)
        Interrupt.install()
        return try FineTune.run(job, config: c, resume: resume)
    }
}
