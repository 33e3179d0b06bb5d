// BenchTrain.swift: `tailor bench train`: training speed (tokens/s) and peak RSS of LoRA and full
// fine-tuning on a model, batch × seq-len synthetic tokens (the deterministic ids of `tailor
// bench`), next to PyTorch + PEFT (scripts/bench_train_torch.py, same file, shapes and thread
// count). A step is what `tailor finetune` does per batch: forward, mean next-token cross-entropy
// over every position, backward, clip the gradient norm to 1, AdamW. Each measurement is a child
// process (Tailor re-runs itself with --child), so each side's peak RSS is its own and belongs to
// one method; Tailor and peer runs alternate; medians over runs are reported (each run's value is
// the median step time after warm-up).
import ArgumentParser
import Adapters
import Foundation
import Formats
import Loading
import Models
import NN
import Tensor
import Training

struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training tokens/s and peak RSS (LoRA and full), against PyTorch + PEFT.",
        discussion: """
        Each run is a fresh process per side and method, alternating Tailor and the peer; the report
        gives medians over runs and the ratios Tailor/peer. OPENBLAS_CORETYPE, if set, applies to
        both sides alike; it is printed.
        """)

    // -m, --threads, --batch, --runs, --peer, --peer-script and --json belong to `tailor bench`
    // (the parent parses them wherever they appear); this command reads them from there.
    @ParentCommand var parent: Bench
    @Option(help: "Methods to measure, comma-separated: lora, full.") var method = "lora,full"
    @Option(help: "Tokens per sequence (--batch sequences per step; default 8).") var seqLen = 128
    @Option(help: "Timed steps per run (after warm-up).") var steps = 4
    @Option(help: "Warm-up steps per run (not timed).") var warmup = 1
    @Option(help: "LoRA rank (alpha = 2·rank, all linear layers).") var rank = 8
    @Flag(help: .hidden) var child = false

    var model: ModelOptions { parent.model }
    var runs: Int { parent.runs }
    var peer: String? { parent.peer }
    var peerScript: String? { parent.peerScript }
    var json: Bool { parent.json }
    /// Sequences per step: `--batch N` (the parent's default "4,8" means 8).
    var batch: Int { parent.batch == "4,8" ? 8 : Int(parent.batch) ?? 0 }

    var methods: [String] { method.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }

    func validate() throws {
        guard !methods.isEmpty, methods.allSatisfy({ ["lora", "full"].contains($0) }) else { throw ValidationError("--method: lora, full or lora,full") }
        guard batch >= 1 else { throw ValidationError("--batch takes one number of sequences for bench train") }
        guard seqLen >= 2, steps >= 1, warmup >= 0, runs >= 1, rank >= 1 else {
            throw ValidationError("--batch >= 1, --seq-len >= 2, --steps >= 1, --warmup >= 0, --runs >= 1, --rank >= 1")
        }
        if let p = peer, p != "torch" { throw ValidationError("--peer must be 'torch' for bench train") }
    }

    func run() throws {
        try reportingErrors {
            if child { return try runChild() }
            let threads = model.threads ?? ThreadPoolDefaults.threads
            let path = try ModelLoader.resolve(model.model).path
            let script = peerScript ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../scripts/bench_train_torch.py").standardized.path
            if peer != nil, !FileManager.default.fileExists(atPath: script) {
                throw ValidationFailure("peer script not found at \(script); pass --peer-script")
            }
            let selfPath = Bundle.main.executablePath ?? CommandLine.arguments[0]
            let shape = ["--batch", "\(batch)", "--seq-len", "\(seqLen)", "--steps", "\(steps)", "--warmup", "\(warmup)", "--threads", "\(threads)"]
            var rows: [TrainBenchRow] = []
            for m in methods {
                var ours: [TrainSample] = [], theirs: [TrainSample] = []
                for i in 0..<runs {
                    let t = try runJSON([selfPath, "bench", "train", "--child", "-m", path, "--method", m, "--rank", "\(rank)"] + shape)
                    ours.append(t)
                    var line = String(format: "%@ run %d/%d: tailor %.1f tok/s, %.0f MiB", m, i + 1, runs, t.tokensPerSecond, Double(t.peakRSS) / 1_048_576)
                    if peer != nil {
                        let p = try runJSON(["python3", script, path, "--method", m, "--rank", "\(rank)"] + shape)
                        theirs.append(p)
                        line += String(format: "; torch %.1f tok/s, %.0f MiB", p.tokensPerSecond, Double(p.peakRSS) / 1_048_576)
                    }
                    if !json { printError(line) }
                }
                rows.append(TrainBenchRow(method: m, tailor: .median(ours), peer: theirs.isEmpty ? nil : .median(theirs)))
            }
            let report = TrainBenchReport(model: path, threads: threads, batch: batch, seqLen: seqLen, steps: steps, runs: runs,
                                          openblasCoretype: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"],
                                          peerVersion: rows.compactMap { $0.peer?.version }.last, rows: rows)
            if json {
                let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try enc.encode(report), as: UTF8.self))
            } else {
                report.printReport()
            }
        }
    }

    /// One measurement in this process: prints a TrainSample as JSON.
    func runChild() throws {
        let m = methods[0]
        let threads = model.threads ?? ThreadPoolDefaults.threads
        let file = try GGUFFile(path: try ModelLoader.resolve(model.model).path)
        let weights = GGUFWeights(file: file)
        let arch = file.string("general.architecture") ?? "llama"
        let config = try LlamaConfig(architecture: arch, source: weights, ropeNeox: arch == "qwen2",
                                     embeddingRows: try weights.matrix("token_embd.weight").rows)
        let graph = try LlamaTrainingGraph(config: config, weights: weights, base: .trainable)
        if m == "lora" {
            try LoRA.apply(LoRAConfig(rank: rank, alpha: Float(2 * rank), dropout: 0), to: graph, random: RandomState(seed: 0))
        }
        let params = graph.namedParameters().map(\.parameter).filter { !$0.isFrozen }
        let opt = AdamW(groups: [ParameterGroup(parameters: params, weightDecay: 0)], learningRate: 1e-4)
        let pool = ThreadPool(threads: threads)
        opt.pool = pool
        let n = batch * seqLen
        let tokens = benchTokens(count: n, vocab: config.vocabSize)
        let targets = (0..<n).map { r in r % seqLen == seqLen - 1 ? Int32(-100) : tokens[r + 1] }
        var times: [Double] = [], cpu: [Double] = []
        var lastLoss: Float = 0
        for i in 0..<(warmup + steps) {
            let t0 = now(), c0 = selfCPUSeconds()
            let tape = Tape(pool: pool)
            let loss = try graph.loss(tokens: tokens, targets: targets, batch: batch, tape: tape)
            tape.backward(from: loss)
            _ = clipGradientNorm(params, maxNorm: 1, pool: pool)
            opt.step()
            for p in params { p.zeroGradient() }
            lastLoss = loss.value.pointer[0]
            if i >= warmup { times.append(now() - t0); cpu.append(selfCPUSeconds() - c0) }
        }
        let step = times.sorted()[times.count / 2]
        let sample = TrainSample(tokensPerSecond: Double(n) / step, stepSeconds: step, cpuSeconds: cpu.sorted()[cpu.count / 2], peakRSS: selfPeakRSS(),
                                 loss: Double(lastLoss), trainableParameters: params.reduce(0) { $0 + $1.count }, version: nil)
        print(String(decoding: try JSONEncoder().encode(sample), as: UTF8.self))
    }

    /// Runs a child process that prints one JSON object (its last stdout line) and decodes it.
    func runJSON(_ args: [String]) throws -> TrainSample {
        let p = Process()
        let isPython = args[0] == "python3"
        p.executableURL = URL(fileURLWithPath: isPython ? "/usr/bin/env" : args[0])
        p.arguments = isPython ? args : Array(args.dropFirst())
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw ValidationFailure("\(args.prefix(3).joined(separator: " ")) exited with \(p.terminationStatus)") }
        let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        guard let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw ValidationFailure("\(args.prefix(3).joined(separator: " ")) printed no JSON")
        }
        return TrainSample(tokensPerSecond: o["tokens_per_second"] as? Double ?? o["tokensPerSecond"] as? Double ?? 0,
                           stepSeconds: o["step_seconds"] as? Double ?? o["stepSeconds"] as? Double ?? 0,
                           cpuSeconds: o["cpu_seconds"] as? Double ?? o["cpuSeconds"] as? Double ?? 0,
                           peakRSS: o["peak_rss_bytes"] as? Int ?? o["peakRSS"] as? Int ?? 0,
                           loss: o["loss"] as? Double ?? 0,
                           trainableParameters: o["trainable_parameters"] as? Int ?? o["trainableParameters"] as? Int ?? 0,
                           version: o["version"] as? String)
    }
}

/// User + system CPU time of this process so far, in seconds.
func selfCPUSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
}

/// Peak RSS of this process (getrusage maxrss), in bytes.
func selfPeakRSS() -> Int {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Int(u.ru_maxrss) * 1024
}

struct TrainSample: Codable {
    var tokensPerSecond: Double
    var stepSeconds: Double
    /// CPU seconds (user + system, all threads) of one step: on a shared machine, tokens per CPU
    /// second says more about efficiency than wall time (time spent spinning counts against a side).
    var cpuSeconds: Double
    var peakRSS: Int
    var loss: Double
    var trainableParameters: Int
    var version: String?

    /// Median tokens/s and step time, median peak RSS over runs.
    static func median(_ s: [TrainSample]) -> TrainSample {
        func med(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
        return TrainSample(tokensPerSecond: med(s.map(\.tokensPerSecond)), stepSeconds: med(s.map(\.stepSeconds)),
                           cpuSeconds: med(s.map(\.cpuSeconds)),
                           peakRSS: Int(med(s.map { Double($0.peakRSS) })), loss: s.last?.loss ?? 0,
                           trainableParameters: s.last?.trainableParameters ?? 0, version: s.last?.version)
    }
}

struct TrainBenchRow: Codable {
    var method: String
    var tailor: TrainSample
    var peer: TrainSample?
}

struct TrainBenchReport: Codable {
    var model: String
    var threads, batch, seqLen, steps, runs: Int
    var openblasCoretype: String?
    var peerVersion: String?
    var rows: [TrainBenchRow]

    func printReport() {
        print("model: \(model)")
        print("threads: \(threads), batch \(batch) x \(seqLen) tokens, \(steps) timed steps per run, median of \(runs) runs")
        print("OPENBLAS_CORETYPE: \(openblasCoretype ?? "(unset)")")
        if let v = peerVersion { print("peer: \(v)") }
        let hasPeer = rows.contains { $0.peer != nil }
        print(hasPeer ? "method  tailor tok/s  torch tok/s  ratio  tailor RSS MiB  torch RSS MiB  RSS ratio  tailor tok/CPU-s  torch tok/CPU-s  ratio"
                      : "method  tailor tok/s  tailor RSS MiB  tailor tok/CPU-s")
        for r in rows {
            let t = r.tailor, mib = { (b: Int) in Double(b) / 1_048_576 }
            let tokens = Double(batch * seqLen), tc = tokens / max(t.cpuSeconds, 1e-9)
            if let p = r.peer {
                let pc = tokens / max(p.cpuSeconds, 1e-9)
                print(String(format: "%-6@  %12.1f  %11.1f  %5.2f  %14.0f  %13.0f  %9.2f  %16.1f  %15.1f  %5.2f", r.method as NSString,
                             t.tokensPerSecond, p.tokensPerSecond, t.tokensPerSecond / p.tokensPerSecond, mib(t.peakRSS), mib(p.peakRSS),
                             Double(t.peakRSS) / Double(max(p.peakRSS, 1)), tc, pc, tc / pc))
            } else {
                print(String(format: "%-6@  %12.1f  %14.0f  %16.1f", r.method as NSString, t.tokensPerSecond, mib(t.peakRSS), tc))
            }
        }
    }
}
