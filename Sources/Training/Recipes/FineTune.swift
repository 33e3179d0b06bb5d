// FineTune.swift: the supervised fine-tuning recipe, one explicit loop (torchtune style):
//   for each optimizer step: lr from the schedule; `gradAccum` micro-batches (loss / gradAccum,
//   backward); clip the global gradient norm; AdamW step; log; every `validateEvery` steps the
//   validation loss, early stopping with `patience` (the best artifact is kept in best/), and a
//   checkpoint (checkpoint/) from which `resume` continues bit-identically; Ctrl-C checkpoints
//   and returns. The caller prepares the graph (full, LoRA, QLoRA) and says how to save the
//   trained artifact (adapter folder or model): this file knows nothing of adapters.
// Loss: mean token cross-entropy over each micro-batch (the labels of padded and prompt tokens are
// -100), as transformers' Trainer computes per micro-batch.
import Foundation
import NN
import Tensor

/// Hyperparameters of a fine-tuning run.
public struct FineTuneConfig: Codable, Equatable, Sendable {
    public var epochs = 1
    public var learningRate: Float = 2e-4
    public var batchSize = 4
    public var gradientAccumulation = 1
    /// "cosine", "linear" or "constant".
    public var schedule = "cosine"
    public var warmupSteps = 0
    public var weightDecay: Float = 0
    public var maxGradNorm: Float = 1
    /// Validate (and checkpoint) every N optimizer steps; 0: at the end of each epoch.
    public var validateEvery = 0
    /// Stop after this many validations without improvement; 0: never.
    public var patience = 0
    public var seed: UInt64 = 0
    /// Stop (with a checkpoint) after this many optimizer steps in total (tests, budgets).
    public var maxSteps: Int?
    /// The run's length in optimizer steps (the schedule spans them, epochs repeat as needed, the
    /// last step validates); nil: epochs × batches per epoch / gradient accumulation.
    public var totalSteps: Int?
    public var quiet = false
    public init() {}
}

/// What the run did.
public struct FineTuneResult: Sendable {
    public var steps: Int
    public var totalSteps: Int
    public var lastTrainLoss: Double
    public var bestValidationLoss: Double?
    public var bestStep: Int?
    public var stoppedEarly: Bool
    public var interrupted: Bool
    public var tokensPerSecond: Double
}

/// Everything the loop works on.
public struct FineTuneJob {
    public var graph: LlamaTrainingGraph
    /// The parameters that train (and are checkpointed), by name.
    public var parameters: [(name: String, parameter: Parameter)]
    public var train: [TokenizedExample]
    public var validation: [TokenizedExample]
    public var padID: Int32
    public var random: RandomState
    public var pool: ThreadPool?
    /// The run folder (metrics.jsonl, loss_curve.svg, checkpoint/, best/, final/).
    public var directory: String
    /// Writes the trained artifact (adapter folder or model files) into a directory.
    public var saveArtifact: (String) throws -> Void
    /// Switches training-only behaviour (dropout) on or off.
    public var setTraining: (Bool) -> Void = { _ in }

    public init(graph: LlamaTrainingGraph, parameters: [(name: String, parameter: Parameter)], train: [TokenizedExample],
                validation: [TokenizedExample], padID: Int32, random: RandomState, pool: ThreadPool?, directory: String,
                saveArtifact: @escaping (String) throws -> Void) {
        self.graph = graph; self.parameters = parameters; self.train = train; self.validation = validation; self.padID = padID
        self.random = random; self.pool = pool; self.directory = directory; self.saveArtifact = saveArtifact
    }
}

/// The fine-tuning loop.
public enum FineTune {
    /// Mean validation loss over `examples` (no dropout, no gradients).
    public static func validationLoss(_ job: FineTuneJob, batchSize: Int) throws -> Double {
        job.setTraining(false)
        defer { job.setTraining(true) }
        var sum = 0.0, n = 0
        for b in Batcher.sequential(job.validation, batchSize: batchSize, padID: job.padID) where b.lossTokens > 0 {
            let loss = try job.graph.loss(tokens: b.tokens, targets: b.targets, batch: b.batchSize, tape: Tape(pool: job.pool, recording: false))
            sum += Double(loss.value.pointer[0]) * Double(b.lossTokens); n += b.lossTokens
        }
        return n > 0 ? sum / Double(n) : .nan
    }

    /// Runs (or, with `resume`, continues) the job.
    public static func run(_ job: FineTuneJob, config c: FineTuneConfig, resume: Bool = false) throws -> FineTuneResult {
        let fm = FileManager.default
        try fm.createDirectory(atPath: job.directory, withIntermediateDirectories: true)
        let ckpt = job.directory + "/checkpoint", best = job.directory + "/best"
        let batcher = Batcher(examples: job.train, batchSize: c.batchSize, seed: c.seed, padID: job.padID)
        let totalSteps = max(1, c.totalSteps ?? c.epochs * batcher.batchesPerEpoch / c.gradientAccumulation)
        let schedule: LearningRateSchedule = c.schedule == "linear" ? .linear(warmup: c.warmupSteps, total: totalSteps)
            : c.schedule == "constant" ? .constant(warmup: c.warmupSteps) : .cosine(warmup: c.warmupSteps, total: totalSteps)
        let decay = job.parameters.filter { $0.parameter.shape.count >= 2 }.map(\.parameter)
        let noDecay = job.parameters.filter { $0.parameter.shape.count < 2 }.map(\.parameter)
        let opt = AdamW(groups: [ParameterGroup(parameters: decay, weightDecay: c.weightDecay), ParameterGroup(parameters: noDecay, weightDecay: 0)],
                        learningRate: c.learningRate)
        opt.pool = job.pool
        var state = TrainingState()
        if resume {
            guard fm.fileExists(atPath: ckpt + "/state.json") else { throw DataError("\(ckpt): no checkpoint to resume from") }
            state = try Checkpoint.load(job.parameters, optimizer: opt, from: ckpt)
            job.random.state = state.randomState
        }
        let log = try RunLog(directory: job.directory, quiet: c.quiet, keepThrough: resume ? state.step : nil)
        let validateEvery = c.validateEvery > 0 ? c.validateEvery : max(1, batcher.batchesPerEpoch / c.gradientAccumulation)
        func saveCheckpoint() throws {
            state.randomState = job.random.state
            try Checkpoint.save(job.parameters, optimizer: opt, state: state, to: ckpt)
        }
        job.setTraining(true)
        let started = Date(), firstStep = state.step
        var tokens = 0, lastLoss = Double.nan, interrupted = false
        while state.step < totalSteps, !state.stoppedEarly {
            if Interrupt.isRequested { interrupted = true; try saveCheckpoint(); break }
            if let m = c.maxSteps, state.step >= m { try saveCheckpoint(); break }
            let lr = schedule.learningRate(base: c.learningRate, step: state.step)
            opt.learningRate = lr
            var lossSum = 0.0
            for _ in 0..<c.gradientAccumulation {
                let b = batcher.batch(at: state.position)
                state.position.batch += 1
                if state.position.batch == batcher.batchesPerEpoch { state.position = DataPosition(epoch: state.position.epoch + 1, batch: 0) }
                tokens += b.realTokens
                guard b.lossTokens > 0 else { continue }
                let tape = Tape(pool: job.pool)
                let loss = try job.graph.loss(tokens: b.tokens, targets: b.targets, batch: b.batchSize, tape: tape)
                tape.backward(from: loss, seed: FloatTensor(shape: [1], values: [1 / Float(c.gradientAccumulation)]))
                lossSum += Double(loss.value.pointer[0]) / Double(c.gradientAccumulation)
            }
            clipGradientNorm(job.parameters.map(\.parameter), maxNorm: c.maxGradNorm, pool: job.pool)
            opt.step()
            for (_, p) in job.parameters { p.zeroGradient() }
            state.step += 1
            lastLoss = lossSum
            let elapsed = Date().timeIntervalSince(started), rate = Double(tokens) / max(elapsed, 1e-9)
            let epoch = Double(state.step * c.gradientAccumulation) / Double(batcher.batchesPerEpoch)
            try log.append(MetricRecord(step: state.step, epoch: epoch, train_loss: lossSum, lr: Double(lr), tokens_per_second: rate))
            log.progress(step: state.step, total: totalSteps, loss: lossSum, lr: lr, tokensPerSecond: rate,
                         secondsLeft: elapsed / Double(state.step - firstStep) * Double(totalSteps - state.step))
            if state.step % validateEvery == 0 || state.step == totalSteps {
                if !job.validation.isEmpty {
                    let v = try validationLoss(job, batchSize: c.batchSize)
                    try log.append(MetricRecord(step: state.step, epoch: epoch, val_loss: v))
                    if state.bestValidationLoss.map({ v < $0 }) ?? true {
                        state.bestValidationLoss = v; state.bestStep = state.step; state.evaluationsWithoutImprovement = 0
                        try? fm.removeItem(atPath: best)
                        try job.saveArtifact(best)
                    } else {
                        state.evaluationsWithoutImprovement += 1
                        if c.patience > 0, state.evaluationsWithoutImprovement >= c.patience { state.stoppedEarly = true }
                    }
                    log.note(String(format: "step %d: validation loss %.4f (best %.4f at step %d)%@", state.step, v,
                                    state.bestValidationLoss ?? v, state.bestStep ?? state.step, state.stoppedEarly ? ", stopping early" : ""))
                }
                try log.writeCurve()
                try saveCheckpoint()
            }
        }
        log.finishLine()
        try log.writeCurve()
        if !interrupted, c.maxSteps.map({ state.step < $0 }) ?? true || state.step >= totalSteps {
            try? fm.removeItem(atPath: job.directory + "/final")
            try job.saveArtifact(job.directory + "/final")
        }
        return FineTuneResult(steps: state.step, totalSteps: totalSteps, lastTrainLoss: lastLoss, bestValidationLoss: state.bestValidationLoss,
                              bestStep: state.bestStep, stoppedEarly: state.stoppedEarly, interrupted: interrupted,
                              tokensPerSecond: Double(tokens) / max(Date().timeIntervalSince(started), 1e-9))
    }
}
