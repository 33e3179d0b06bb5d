// FineTuneCLITests.swift: `tailor finetune` end to end on the tiny Llama (a few steps each): a LoRA
// run writes the PEFT folder, the GGUF adapter, metrics.jsonl and the loss curve; a bad line is
// reported as FILE:LINE (skipped, or exit != 0 with --strict); `--search` on a 2×1 grid writes
// search.md/search.json ranked by the trials' own metrics.jsonl and trains the best configuration
// into OUT (and --resume reuses the trials); search errors name the key and value; `tailor merge`
// writes a GGUF whose logits equal the base model with the adapter applied unmerged (library).
import Adapters
import Foundation
import Formats
import Loading
import Models
import Tensor
import Training
import XCTest

final class FineTuneCLITests: XCTestCase {
    static let tiny = TestAssets.fixtures.appendingPathComponent("models/tiny-llama.gguf").path
    var dir = ""

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ft-cli-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let train = (0..<8).map { "{\"prompt\": \"fruit \($0) is\", \"completion\": \"\($0 % 2 == 0 ? " apple" : " berry")\"}" }
        try (train.joined(separator: "\n") + "\n").write(toFile: dir + "/train.jsonl", atomically: true, encoding: .utf8)
        let val = (8..<12).map { "{\"prompt\": \"fruit \($0) is\", \"completion\": \"\($0 % 2 == 0 ? " apple" : " berry")\"}" }
        try (val.joined(separator: "\n") + "\n").write(toFile: dir + "/val.jsonl", atomically: true, encoding: .utf8)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func exists(_ p: String) -> Bool { FileManager.default.fileExists(atPath: p) }
    func json(_ p: String) throws -> [String: Any] { try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: p))) as! [String: Any] }
    func metrics(_ p: String) throws -> [[String: Any]] {
        try String(contentsOfFile: p, encoding: .utf8).split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    func testLoRARunWritesAdapterMetricsAndCurve() throws {
        let out = dir + "/lora"
        let r = try CLI.run(["finetune", "-m", Self.tiny, "--data", dir + "/train.jsonl", "--val", dir + "/val.jsonl", "--method", "lora",
                             "--out", out, "--epochs", "2", "--batch", "4", "--rank", "4", "--alpha", "8", "--lr", "1e-2", "-q"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for f in ["final/adapter_config.json", "final/adapter_model.safetensors", "final/adapter.gguf", "best/adapter_config.json",
                  "checkpoint/state.json", "metrics.jsonl", "loss_curve.svg", "options.json"] {
            XCTAssertTrue(exists(out + "/" + f), "missing \(f)")
        }
        let cfg = try json(out + "/final/adapter_config.json")
        XCTAssertEqual(cfg["peft_type"] as? String, "LORA")
        XCTAssertEqual(cfg["r"] as? Int, 4)
        XCTAssertEqual(cfg["lora_alpha"] as? Double, 8)
        let m = try metrics(out + "/metrics.jsonl")
        XCTAssertEqual(m.filter { $0["train_loss"] != nil }.map { $0["step"] as! Int }, [1, 2, 3, 4], "8 examples / batch 4 × 2 epochs")
        XCTAssertEqual(m.filter { $0["val_loss"] != nil }.map { $0["step"] as! Int }, [2, 4], "validation every epoch")
        let svg = try String(contentsOfFile: out + "/loss_curve.svg", encoding: .utf8)
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 2, "train and validation curves")
    }

    func testBadLineIsNamedAndStrictFails() throws {
        let bad = dir + "/bad.jsonl"
        let lines = try String(contentsOfFile: dir + "/train.jsonl", encoding: .utf8).split(separator: "\n").map(String.init)
        try ([lines[0], "{\"prompt\": \"oops\", ", lines[1], "{\"prompt\": 3, \"completion\": \" x\"}"] + lines[2...]).joined(separator: "\n")
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let base = ["finetune", "-m", Self.tiny, "--data", bad, "--method", "lora", "--out", dir + "/bad", "--epochs", "1", "--batch", "4", "-q"]
        let lenient = try CLI.run(base)
        XCTAssertEqual(lenient.status, 0, lenient.stderr)
        XCTAssertTrue(lenient.stderr.contains("warning: skipped \(bad):2:"), lenient.stderr)
        XCTAssertTrue(lenient.stderr.contains("\(bad):4: field 'prompt' is not a string"), lenient.stderr)
        let strict = try CLI.run(base + ["--strict"])
        XCTAssertNotEqual(strict.status, 0)
        XCTAssertTrue(strict.stderr.contains("\(bad):2"), strict.stderr)
        XCTAssertFalse(exists(dir + "/bad-strict/final"))
        // nothing usable at all: an error, not an empty run
        try "{\"x\": 1}\nnot json\n".write(toFile: dir + "/none.jsonl", atomically: true, encoding: .utf8)
        let none = try CLI.run(["finetune", "-m", Self.tiny, "--data", dir + "/none.jsonl", "--out", dir + "/none", "-q"])
        XCTAssertNotEqual(none.status, 0)
        XCTAssertTrue(none.stderr.contains("none.jsonl:1: no known layout") && none.stderr.contains("none.jsonl:2"), none.stderr)
        XCTAssertTrue(none.stderr.contains("no usable training examples"), none.stderr)
    }

    func testSearchGridRanksTrialsAndTrainsTheBest() throws {
        let out = dir + "/search"
        let args = ["finetune", "-m", Self.tiny, "--data", dir + "/train.jsonl", "--val", dir + "/val.jsonl", "--method", "lora",
                    "--out", out, "--epochs", "1", "--batch", "4", "--search", "lr=1e-3,3e-2", "rank=2", "--trial-steps", "3", "-q"]
        let r = try CLI.run(args)
        XCTAssertEqual(r.status, 0, r.stderr)
        // the printed table and search.md: header, separator, 2 rows
        let md = try String(contentsOfFile: out + "/search.md", encoding: .utf8)
        let rows = md.split(separator: "\n").filter { $0.hasPrefix("| 00") }
        XCTAssertEqual(rows.count, 2, md)
        XCTAssertTrue(md.contains("| trial | lr | rank | val loss | train loss | steps | seconds |"), md)
        XCTAssertEqual(r.stdout.split(separator: "\n").filter { $0.hasPrefix("| 00") }, rows)
        // search.json ranks the trials by the best validation loss each trial logged in its own metrics.jsonl
        let s = try json(out + "/search.json")
        let trials = s["trials"] as! [[String: Any]]
        XCTAssertEqual(trials.count, 2)
        var logged: [Int: Double] = [:]
        for t in trials {
            let n = t["trial"] as! Int
            let m = try metrics(out + String(format: "/trials/%03d/metrics.jsonl", n))
            XCTAssertEqual(m.filter { $0["train_loss"] != nil }.count, 3, "--trial-steps 3")
            // the cosine schedule spans the trial's 3 steps: lr·(1 + cos(π·s/3))/2 for s = 0, 1, 2
            let peak = n == 1 ? 1e-3 : 3e-2
            let lrs = m.compactMap { $0["lr"] as? Double }
            XCTAssertEqual(lrs.count, 3)
            for (s, lr) in lrs.enumerated() { XCTAssertEqual(lr, peak * (1 + cos(Double.pi * Double(s) / 3)) / 2, accuracy: peak * 1e-6) }
            logged[n] = m.compactMap { $0["val_loss"] as? Double }.min()
            XCTAssertEqual(t["val_loss"] as! Double, logged[n]!, accuracy: 1e-12)
            XCTAssertEqual(t["steps"] as? Int, 3)
            XCTAssertTrue(exists(out + String(format: "/trials/%03d/trial.json", n)))
        }
        XCTAssertLessThanOrEqual(trials[0]["val_loss"] as! Double, trials[1]["val_loss"] as! Double)
        XCTAssertNotEqual(logged[1], logged[2], "the two learning rates train differently")
        let best = logged.min { $0.value < $1.value }!.key
        XCTAssertEqual(s["best"] as? Int, best)
        XCTAssertTrue(rows[0].hasPrefix(String(format: "| %03d | %@ | 2 |", best, best == 1 ? "1e-3" : "3e-2")), md)
        // the final run: the best configuration on the full budget (1 epoch = 2 steps) into OUT
        let opts = try json(out + "/options.json")
        XCTAssertEqual((opts["lr"] as! Double), best == 1 ? 1e-3 : 3e-2, accuracy: 1e-9)
        XCTAssertEqual(opts["rank"] as? Int, 2)
        XCTAssertTrue(exists(out + "/final/adapter_model.safetensors"))
        XCTAssertEqual(try metrics(out + "/metrics.jsonl").filter { $0["train_loss"] != nil }.count, 2)

        // --resume: the finished trials are not run again
        let again = try CLI.run(args.filter { $0 != "-q" } + ["--resume"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(again.stderr.components(separatedBy: "done before").count - 1, 2, again.stderr)
    }

    func testRandomSearchRunsTheSeededTrials() throws {
        let out = dir + "/random"
        let r = try CLI.run(["finetune", "-m", Self.tiny, "--data", dir + "/train.jsonl", "--val-split", "0.25", "--method", "lora",
                             "--out", out, "--epochs", "1", "--batch", "4", "--search", "lr=1e-3,3e-2", "rank=2,4", "--trials", "2",
                             "--seed", "5", "--trial-steps", "1", "-q"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let s = try json(out + "/search.json")
        XCTAssertEqual(s["mode"] as? String, "random")
        let got = Set((s["trials"] as! [[String: Any]]).map { t -> [String] in
            let v = t["values"] as! [String: String]
            return [v["lr"]!, v["rank"]!]
        })
        let space = try SearchSpace(parsing: ["lr=1e-3,3e-2", "rank=2,4"], keys: ["lr": .real, "rank": .integer])
        XCTAssertEqual(got, Set(space.random(trials: 2, seed: 5).map(\.values)), "the trials --seed 5 draws")
        XCTAssertEqual(got.count, 2)
        XCTAssertTrue(exists(out + "/val.jsonl") && exists(out + "/trials/002/val.jsonl"), "--val-split holds out the same validation part")
        XCTAssertEqual(try String(contentsOfFile: out + "/val.jsonl", encoding: .utf8),
                       try String(contentsOfFile: out + "/trials/001/val.jsonl", encoding: .utf8))
    }

    func testSearchErrorsNameKeyAndValue() throws {
        let base = ["finetune", "-m", Self.tiny, "--data", dir + "/train.jsonl", "--val", dir + "/val.jsonl", "--out", dir + "/e", "--search"]
        for (args, expected) in [(["lr=1e-3", "size=2"], "unknown key 'size'"), (["rank=4,x"], "'x' is not an integer"),
                                 (["rank=0,4"], "--search rank=0: --rank >= 1"), (["schedule=cosine,step"], "'step' is not one of"),
                                 (["lr=1e-3,1e-2", "--trials", "1", "--search-mode", "grid"], "grid search runs all 2 combinations"),
                                 (["lr=1e-3", "--trial-steps", "2", "--trial-epochs", "1"], "not both"),
                                 (["lr=1e-3,1e-2", "--search-mode", "random"], "needs --trials N"),
                                 (["epochs=1,2", "--trial-steps", "2"], "drop --trial-steps")] {
            let r = try CLI.run(base + args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stderr.contains(expected), "\(args): \(r.stderr)")
        }
        let noVal = try CLI.run(["finetune", "-m", Self.tiny, "--data", dir + "/train.jsonl", "--out", dir + "/e", "--search", "lr=1e-3,1e-2"])
        XCTAssertNotEqual(noVal.status, 0)
        XCTAssertTrue(noVal.stderr.contains("--val FILE or --val-split"), noVal.stderr)
        let help = try CLI.run(["finetune", "--help"])
        for s in ["--search", "--search-mode", "--trials", "--trial-steps", "--trial-epochs", "--steps", "--weight-decay", "search.md"] {
            XCTAssertTrue(help.stdout.contains(s), "help lacks \(s)")
        }
    }

    func testMergedGGUFMatchesBasePlusAdapter() throws {
        let out = dir + "/merge"
        let r = try CLI.run(["finetune", "-m", Self.tiny, "--data", dir + "/train.jsonl", "--method", "lora", "--out", out,
                             "--epochs", "2", "--batch", "4", "--rank", "4", "--lr", "5e-2", "-q"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let merged = out + "/merged.gguf"
        let m = try CLI.run(["merge", "-m", Self.tiny, "--adapter", out + "/final", "-o", merged, "--type", "f32"])
        XCTAssertEqual(m.status, 0, m.stderr)
        XCTAssertTrue(m.stdout.contains("14 adapted tensors"), m.stdout)

        func graph(_ path: String) throws -> (LlamaTrainingGraph, LlamaConfig) {
            let w = GGUFWeights(file: try GGUFFile(path: path))
            let c = try LlamaConfig(architecture: "llama", source: w, ropeNeox: false, embeddingRows: try w.matrix("token_embd.weight").rows)
            return (try LlamaTrainingGraph(config: c, weights: w, base: .frozen), c)
        }
        func logits(_ g: LlamaTrainingGraph, _ t: [Int32]) throws -> [Float] {
            try g.logits(tokens: t, batch: 1, tape: Tape(pool: nil, recording: false)).value.array
        }
        let tokens: [Int32] = [70, 82, 85, 74, 84, 0, 19, 0, 74, 83]
        let (base, _) = try graph(Self.tiny)
        let plain = try logits(base, tokens)
        _ = try PEFTFolder.load(out + "/final", into: base, ggufOrder: true)
        let adapted = try logits(base, tokens)
        let fromMerged = try logits(try graph(merged).0, tokens)
        let scale = adapted.map(abs).max()!
        let change = zip(plain, adapted).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(change, 1e-3 * scale, "the trained adapter must change the logits for the test to mean anything")
        XCTAssertLessThan(zip(fromMerged, adapted).map { abs($0 - $1) }.max()!, 1e-4 * scale)
    }
}
