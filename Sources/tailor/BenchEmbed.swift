// BenchEmbed.swift: `tailor bench embed`: sentence-embedding throughput (sentences/s, tokens/s)
// on seeded synthetic sentences, next to sentence-transformers (PyTorch, same thread count) run
// by scripts/bench_embed_peer.py on the same sentences, interleaved; medians and the ratio.
import ArgumentParser
import Foundation
import Retrieval

struct BenchEmbed: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "embed", abstract: "Sentence embedding throughput, against sentence-transformers.")

    // Option names differ from `tailor bench`'s own (-m, --threads, --runs, --json, --peer-script),
    // which the parent command would otherwise take.
    @Option(help: "Embedding model: catalog name or sentence-transformers folder.") var embedder = "minilm"
    @Option(help: "Threads for both sides.") var workers = 2
    @Option(help: "Texts per forward pass (both sides).") var batchSize = 32
    @Option(help: "Sentences to embed.") var sentences = 2000
    @Option(help: "Words per sentence.") var words = 30
    @Option(help: "Runs per side, interleaved (median reported).") var rounds = 3
    @Flag(help: "Skip the sentence-transformers peer.") var noPeer = false
    @Option(help: "Path of scripts/bench_embed_peer.py (default: next to this source tree).") var peerPath: String?
    @Option(help: "Seed of the sentence generator.") var seed: UInt64 = 1
    @Option(help: "text or json.") var format = "text"

    func run() throws {
        try reportingErrors {
            let threads = workers, json = format == "json"
            let model = try EmbedderLocator.load(embedder, threads: threads)
            (model as? SentenceEmbedder)?.batchSize = batchSize
            let texts = BenchData.sentences(count: sentences, words: words, seed: seed)
            let tokens = texts.reduce(0) { $0 + model.countTokens($1) + 2 }
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tailor-bench-embed-\(getpid())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let input = dir.appendingPathComponent("texts.json")
            try JSONSerialization.data(withJSONObject: texts).write(to: input)
            _ = try model.embed(Array(texts.prefix(64)))   // warm-up
            var ours: [Double] = [], theirs: [Double] = []
            for _ in 0..<max(1, rounds) {
                let t0 = Date()
                _ = try model.embed(texts)
                ours.append(Date().timeIntervalSince(t0))
                if !noPeer, let folder = try EmbedderLocator.folder(embedder)?.0 {
                    let out = try runPeer(script: peerPath ?? BenchData.script("bench_embed_peer.py"),
                                          args: [folder.path, input.path, String(threads), String(batchSize)])
                    if let s = out["seconds"] as? Double { theirs.append(s) }
                }
            }
            let mo = median(ours), mt = theirs.isEmpty ? nil : median(theirs)
            let n = Double(texts.count), tk = Double(tokens)
            if json {
                var o: [String: Any] = ["sentences": texts.count, "tokens": tokens, "threads": threads, "tailor_seconds": mo,
                                        "tailor_sentences_per_second": n / mo, "tailor_tokens_per_second": tk / mo]
                if let mt { o["peer_seconds"] = mt; o["peer_sentences_per_second"] = n / mt; o["ratio"] = mt / mo }
                print(try jsonLine(o))
                return
            }
            print(String(format: "%d sentences (%d tokens with [CLS]/[SEP]), %d threads, median of %d", texts.count, tokens, threads, ours.count))
            print(String(format: "tailor:                %8.1f sentences/s  %8.0f tokens/s", n / mo, tk / mo))
            if let mt {
                print(String(format: "sentence-transformers: %8.1f sentences/s  %8.0f tokens/s", n / mt, tk / mt))
                print(String(format: "ratio tailor/peer: %.2fx", mt / mo))
            }
        }
    }
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? .nan : (s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2)
}

/// Runs `python3 script args...` and parses the JSON object on its last stdout line.
func runPeer(script: String, args: [String]) throws -> [String: Any] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", script] + args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    var errData = Data()
    let g = DispatchGroup()
    g.enter()
    DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); g.leave() }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    g.wait()
    p.waitUntilExit()
    guard p.terminationStatus == 0,
          let line = String(decoding: data, as: UTF8.self).split(separator: "\n").last,
          let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
        let msg = String(decoding: errData, as: UTF8.self).split(separator: "\n").suffix(2).joined(separator: " | ")
        throw ValidationError("peer \(script) failed (exit \(p.terminationStatus)): \(msg)")
    }
    return o
}
