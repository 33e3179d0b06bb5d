// Bench.swift: `tailor bench`: prefill and decode speed and peak RSS on a model, optionally
// against llama.cpp on the same file in the same run, interleaved, as medians and ratios.
import ArgumentParser
import Foundation
import Formats
import Generation
import Loading
import Models

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure prefill/decode tokens per second and peak RSS (medians of interleaved runs).",
        discussion: """
        With --peer, llama.cpp runs on the same file with the same thread count between Tailor's runs,
        and the ratios Tailor/llama.cpp are printed. Peers: `llama-cpp-python` (runs
        scripts/bench_llamacpp.py) or the path of a llama-bench binary. OPENBLAS_CORETYPE, if set,
        applies to both sides alike; it is printed.
        """,
        subcommands: [BenchEmbed.self, BenchIndex.self, BenchTrain.self])

    @OptionGroup var model: ModelOptions
    @Option(help: "Prompt tokens for prefill.") var promptTokens = 512
    @Option(help: "Tokens to decode.") var decodeTokens = 128
    @Option(help: "Runs per side (median reported).") var runs = 5
    @Option(help: "Peer: 'llama-cpp-python' or a llama-bench path.") var peer: String?
    @Option(help: "Path of scripts/bench_llamacpp.py (default: next to this source tree).") var peerScript: String?
    @Option(help: "KV cache precision: f16 or f32.") var cache: String = "f16"
    @Option(help: "Batched decode: sequence counts to measure (comma-separated; empty for none).") var batch: String = "4,8"
    @Flag(help: "Batched decode with the single-sequence kernels (bit-identical to decoding each sequence alone, the library default; slower). Without it the bench measures block-order batches (batchInvariant = false).")
    var batchInvariant = false
    @Flag(help: "Print JSON.") var json = false

    var batchSizes: [Int] { batch.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        guard promptTokens >= 8, decodeTokens >= 1, runs >= 1 else { throw ValidationError("--prompt-tokens >= 8, --decode-tokens >= 1, --runs >= 1") }
        guard KVCache.Precision(rawValue: cache) != nil else { throw ValidationError("--cache must be f16 or f32") }
        for part in batch.split(separator: ",") {
            guard let n = Int(part.trimmingCharacters(in: .whitespaces)), n >= 1, n <= 256 else {
                throw ValidationError("--batch: '\(part)' is not a sequence count from 1 to 256 (comma-separated, e.g. 4,8)")
            }
        }
    }

    func run() throws {
        try reportingErrors {
            let threads = model.threads ?? ThreadPoolDefaults.threads
            let loaded = try ModelLoader.load(model.model, threads: threads)
            model.configure(loaded.model)
            loaded.model.batchInvariant = batchInvariant
            let path = try ModelLoader.resolve(model.model).path
            let precision = KVCache.Precision(rawValue: cache)!
            let tokens = benchTokens(count: promptTokens, vocab: loaded.model.vocabularySize)
            var ours: [BenchSample] = [], theirs: [BenchSample] = []
            let peerRunner = try peer.map { try PeerRunner(spec: $0, script: peerScript, model: path, threads: threads,
                                                           promptTokens: promptTokens, decodeTokens: decodeTokens) }
            _ = try measureTailor(loaded.model, tokens: Array(tokens.prefix(16)), decode: 4, precision: precision) // warm-up
            // Batched runs are interleaved with the single-sequence ones, so their ratio compares
            // the same stretch of machine load.
            let sizes = batchSizes.filter { $0 > 1 }
            var batchedTPS = [[Double]](repeating: [], count: sizes.count)
            for i in 0..<runs {
                if !json { printError("run \(i + 1)/\(runs)") }
                ours.append(try measureTailor(loaded.model, tokens: tokens, decode: decodeTokens, precision: precision))
                if let p = peerRunner { theirs.append(try p.run()) }
                for (j, b) in sizes.enumerated() {
                    batchedTPS[j].append(try measureBatched(loaded.model, tokens: tokens, sequences: b, precision: precision))
                }
            }
            let batched = zip(sizes, batchedTPS).map { b, tps in
                BatchedSample(sequences: b, tokensPerSecond: tps.sorted()[tps.count / 2])
            }
            let report = BenchReport(model: path, threads: threads, promptTokens: promptTokens, decodeTokens: decodeTokens,
                                     openblasCoretype: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"],
                                     tailor: .median(ours), peer: theirs.isEmpty ? nil : .median(theirs), peerName: peer,
                                     peerVersion: theirs.last?.version, batched: batched,
                                     weightBytesPerToken: try decodeWeightBytes(path), sums: model.sums.rawValue)
            if json {
                let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try enc.encode(report), as: UTF8.self))
            } else {
                report.printReport()
            }
        }
    }

    func measureTailor(_ m: LanguageModel, tokens: [Int32], decode: Int, precision: KVCache.Precision) throws -> BenchSample {
        var cache = m.makeCache(capacity: tokens.count + 16, precision: precision)
        let t0 = now()
        _ = try m.forward(tokens, cache: cache, allLogits: false)
        let prefill = now() - t0
        cache = m.makeCache(capacity: 8 + decode + 1, precision: precision)
        var logits = try m.forward(Array(tokens.prefix(8)), cache: cache, allLogits: false)
        let t1 = now()
        for _ in 0..<decode {
            let next = Sampler.argmax(logits)
            logits = try m.forward([next], cache: cache, allLogits: false)
        }
        let dec = now() - t1
        return BenchSample(prefillTPS: Double(tokens.count) / prefill, decodeTPS: Double(decode) / dec,
                           peakRSS: peakRSSBytes(), version: nil)
    }
}

extension Bench {
    /// Aggregate tokens/s of `sequences` sequences decoding together (8-token prompts each).
    func measureBatched(_ m: LanguageModel, tokens: [Int32], sequences: Int, precision: KVCache.Precision) throws -> Double {
        let caches = (0..<sequences).map { _ in m.makeCache(capacity: 8 + decodeTokens + 1, precision: precision) }
        var next: [Int32] = []
        for (i, c) in caches.enumerated() {
            let prompt = (0..<8).map { tokens[(i % 4 + $0) % tokens.count] }  // distinct prompts for any --prompt-tokens >= 8
            let logits = try m.forward(prompt, cache: c, allLogits: false)
            next.append(Sampler.argmax(logits))
        }
        let V = m.vocabularySize
        let t0 = now()
        for _ in 0..<decodeTokens {
            let logits = try m.decodeBatch(next, caches: caches)
            next = logits.withUnsafeBufferPointer { l in
                (0..<sequences).map { i in Sampler.argmax(UnsafeBufferPointer(rebasing: l[i * V..<(i + 1) * V])) }
            }
        }
        return Double(sequences * decodeTokens) / (now() - t0)
    }
}

/// Bytes of weights one decode step reads: every 2-D tensor but the token embedding (one row of
/// it is read), plus the embedding again when it is the tied output projection.
func decodeWeightBytes(_ path: String) throws -> Int {
    let f = try GGUFFile(path: path)
    var n = 0
    for t in f.tensors where t.dims.count == 2 && t.name != "token_embd.weight" { n += t.byteCount }
    if f.tensorInfo("output.weight") == nil, let e = f.tensorInfo("token_embd.weight") { n += e.byteCount }
    return n
}

enum ThreadPoolDefaults {
    static var threads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Deterministic token ids shared with scripts/bench_llamacpp.py.
func benchTokens(count: Int, vocab: Int) -> [Int32] {
    var x: UInt64 = 42
    return (0..<count).map { _ in
        x = (x &* 1_103_515_245 &+ 12345) % (1 << 31)
        return Int32(100 + Int(x) % (vocab - 200))
    }
}

/// Peak resident set size of this process (VmHWM), in bytes.
func peakRSSBytes() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kb * 1024
    }
    return 0
}
