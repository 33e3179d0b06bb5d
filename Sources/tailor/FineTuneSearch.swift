// FineTuneSearch.swift: `tailor finetune --search KEY=V1,V2 ...`: grid or random search over
// finetune options. Each trial is a normal run with a short budget (--trial-steps N optimizer
// steps, or --trial-epochs E, default 1 epoch) in OUT/trials/NNN, scored by its best validation
// loss; OUT/search.md and OUT/search.json are rewritten after every trial; then the best
// configuration trains on the full budget into OUT. With --resume, trials whose trial.json holds
// the same settings are not run again and the final run continues from OUT/checkpoint.
// The space parsing, enumeration and tables are Training's HyperparameterSearch.
import ArgumentParser
import Foundation
import Training

/// A checked search: what runs, in which order, on which budget.
struct FineTuneSearchPlan {
    var space: SearchSpace
    var points: [SearchPoint]
    var mode: String
    var trialSteps: Int?
    var trialEpochs: Int?

    var budget: String {
        if let s = trialSteps { return "\(s) step\(s == 1 ? "" : "s")" }
        if space.dimensions.contains(where: { $0.key == "epochs" }) { return "the searched epochs" }
        let e = trialEpochs ?? 1
        return "\(e) epoch\(e == 1 ? "" : "s")"
    }
}

/// What trials/NNN/trial.json holds.
struct TrialRecord: Codable {
    var options: FineTuneOptions
    var result: TrialResult
}

enum FineTuneSearch {
    typealias Setter = (inout FineTuneOptions, String) -> Void
    static func list(_ v: String) -> [String] { v.split(separator: "+").map { $0.trimmingCharacters(in: .whitespaces) } }

    /// The searchable finetune options (flag names without "--"), their kinds and how a value applies.
    static let keys: [String: (kind: SearchValueKind, apply: Setter)] = [
        "lr": (.real, { $0.lr = Float($1)! }),
        "epochs": (.integer, { $0.epochs = Int($1)! }),
        "batch": (.integer, { $0.batch = Int($1)! }),
        "grad-accum": (.integer, { $0.gradAccum = Int($1)! }),
        "seq-len": (.integer, { $0.seqLen = Int($1)! }),
        "rank": (.integer, { $0.rank = Int($1)! }),
        "alpha": (.real, { $0.alpha = Float($1)! }),
        "dropout": (.real, { $0.dropout = Float($1)! }),
        "rslora": (.flag, { $0.rslora = $1 == "true" }),
        "targets": (.text, { $0.targets = list($1) }),
        "virtual-tokens": (.integer, { $0.virtualTokens = Int($1)! }),
        "prefix-hidden": (.integer, { $0.prefixHidden = Int($1)! }),
        "reduction-factor": (.integer, { $0.reductionFactor = Int($1)! }),
        "placement": (.choice(["houlsby", "pfeiffer"]), { $0.placement = $1 }),
        "ia3-targets": (.text, { $0.ia3Targets = list($1) }),
        "ia3-feedforward": (.text, { $0.ia3Feedforward = list($1) }),
        "warmup": (.integer, { $0.warmup = Int($1)! }),
        "weight-decay": (.real, { $0.weightDecay = Float($1)! }),
        "schedule": (.choice(["cosine", "linear", "constant"]), { $0.schedule = $1 }),
        "method": (.choice(["full", "lora", "qlora", "dora", "ia3", "prompt", "prefix", "adapter"]), { $0.method = $1 }),
        "packing": (.flag, { $0.packing = $1 == "true" }),
        "patience": (.integer, { $0.patience = Int($1)! }),
    ]

    /// `o` with the point's values.
    static func apply(_ p: SearchPoint, of space: SearchSpace, to o: FineTuneOptions) -> FineTuneOptions {
        var t = o
        for (d, v) in zip(space.dimensions, p.values) { keys[d.key]!.apply(&t, v) }
        return t
    }

    /// Parses and checks the search flags (every value is checked against the finetune options).
    static func plan(_ o: FineTuneOptions, specs: [String], mode: String?, trials: Int?, trialSteps: Int?, trialEpochs: Int?) throws -> FineTuneSearchPlan {
        guard o.val != nil || (o.valSplit ?? 0) > 0 else {
            throw ValidationError("--search scores each trial by validation loss: give --val FILE or --val-split FRACTION")
        }
        let space: SearchSpace
        do { space = try SearchSpace(parsing: specs, keys: keys.mapValues(\.kind)) } catch { throw ValidationError("\(error)") }
        for d in space.dimensions {
            for v in d.values {
                do { try apply(SearchPoint(values: [v]), of: SearchSpace(dimensions: [d]), to: o).check() } catch {
                    throw ValidationError("--search \(d.key)=\(v): \(error)")
                }
            }
        }
        let m = mode ?? (trials != nil ? "random" : "grid")
        guard ["grid", "random"].contains(m) else { throw ValidationError("--search-mode must be grid or random") }
        if let trials, trials < 1 { throw ValidationError("--trials must be >= 1") }
        guard trialSteps == nil || trialEpochs == nil else { throw ValidationError("give --trial-steps or --trial-epochs, not both") }
        if let s = trialSteps, s < 1 { throw ValidationError("--trial-steps must be >= 1") }
        if let e = trialEpochs, e < 1 { throw ValidationError("--trial-epochs must be >= 1") }
        if space.dimensions.contains(where: { $0.key == "epochs" }), trialSteps != nil || trialEpochs != nil {
            throw ValidationError("--search epochs=... sets each trial's length: drop --trial-steps/--trial-epochs")
        }
        let points: [SearchPoint]
        if m == "grid" {
            do { points = try space.grid() } catch { throw ValidationError("\(error)") }
            if let trials, trials < points.count {
                throw ValidationError("grid search runs all \(points.count) combinations; use --search-mode random to run \(trials)")
            }
        } else {
            guard let trials else { throw ValidationError("--search-mode random needs --trials N") }
            points = space.random(trials: trials, seed: o.seed)
        }
        return FineTuneSearchPlan(space: space, points: points, mode: m, trialSteps: trialSteps, trialEpochs: trialEpochs)
    }

    /// The options of trial `n` (1-based) at point `p`.
    static func trialOptions(_ o: FineTuneOptions, plan: FineTuneSearchPlan, point p: SearchPoint, number n: Int) -> FineTuneOptions {
        var t = o
        t.maxSteps = nil
        t.steps = plan.trialSteps
        if plan.trialSteps == nil { t.epochs = plan.trialEpochs ?? 1 }
        t = apply(p, of: plan.space, to: t)
        t.out = o.out + "/trials/" + String(format: "%03d", n)
        return t
    }

    /// Whether two trial settings train the same way (output and speed settings aside).
    static func sameTraining(_ a: FineTuneOptions, _ b: FineTuneOptions) throws -> Bool {
        var a = a, b = b
        a.quiet = false; b.quiet = false; a.threads = nil; b.threads = nil
        return try encoded(a) == encoded(b)
    }

    static func encoded<T: Encodable>(_ v: T) throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try enc.encode(v)
    }

    /// Runs the trials, writes the tables, then trains the best configuration into o.out.
    static func run(_ o: FineTuneOptions, plan: FineTuneSearchPlan, resume: Bool) throws -> (FineTuneResult, SearchReport) {
        let fm = FileManager.default
        try fm.createDirectory(atPath: o.out + "/trials", withIntermediateDirectories: true)
        var report = SearchReport(mode: plan.mode, budget: plan.budget, dimensions: plan.space.dimensions, trials: [])
        func writeTables() throws {
            try Data(report.markdownDocument().utf8).write(to: URL(fileURLWithPath: o.out + "/search.md"), options: .atomic)
            try report.json().write(to: URL(fileURLWithPath: o.out + "/search.json"), options: .atomic)
        }
        let say = { (m: String) in if !o.quiet { printError(m) } }
        say("\(plan.mode) search: \(plan.points.count) trials of \(plan.budget), scored by validation loss")
        for (i, p) in plan.points.enumerated() {
            let n = i + 1
            if Interrupt.isRequested { try writeTables(); throw InterruptedSearch() }
            let t = trialOptions(o, plan: plan, point: p, number: n)
            let recordPath = t.out + "/trial.json"
            let values = Dictionary(uniqueKeysWithValues: zip(plan.space.dimensions.map(\.key), p.values))
            if resume, let d = fm.contents(atPath: recordPath), let rec = try? JSONDecoder().decode(TrialRecord.self, from: d),
               try sameTraining(rec.options, t) {
                report.trials.append(rec.result)
                say(String(format: "trial %d/%d (%@): done before, validation loss %@", n, plan.points.count, plan.space.describe(p),
                           rec.result.validationLoss.map { String(format: "%.4f", $0) } ?? "n/a"))
                try writeTables()
                continue
            }
            say("trial \(n)/\(plan.points.count) (\(plan.space.describe(p))) -> \(t.out)")
            try? fm.removeItem(atPath: t.out)
            let started = Date()
            let r = try FineTuneSetup.run(t, resume: false, saveArtifacts: t.method != "full")
            let seconds = Date().timeIntervalSince(started)
            if r.interrupted {
                try writeTables()
                throw InterruptedSearch()
            }
            let result = TrialResult(trial: n, values: values, validationLoss: r.bestValidationLoss, trainLoss: r.lastTrainLoss,
                                     steps: r.steps, seconds: seconds, directory: t.out)
            report.trials.append(result)
            try encoded(TrialRecord(options: t, result: result)).write(to: URL(fileURLWithPath: recordPath), options: .atomic)
            try writeTables()
            say(String(format: "trial %d/%d: validation loss %@, train loss %.4f, %d steps, %.1f s", n, plan.points.count,
                       result.validationLoss.map { String(format: "%.4f", $0) } ?? "n/a", r.lastTrainLoss, r.steps, seconds))
        }
        print(report.markdown(), terminator: "")
        fflush(stdout)
        guard let best = report.best else { throw DataError("no trial produced a finite validation loss; nothing to train") }
        let point = SearchPoint(values: plan.space.dimensions.map { best.values[$0.key]! })
        let final = apply(point, of: plan.space, to: o)
        say(String(format: "best: trial %03d (%@); training it on the full budget into %@", best.trial, plan.space.describe(point), o.out))
        let resumeFinal = resume && fm.fileExists(atPath: o.out + "/checkpoint/state.json")
        return (try FineTuneSetup.run(final, resume: resumeFinal), report)
    }
}

/// Ctrl-C during a trial.
struct InterruptedSearch: Error, CustomStringConvertible {
    var description: String { "search interrupted; continue with --resume" }
}
