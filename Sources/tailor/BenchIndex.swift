// BenchIndex.swift: `tailor bench index`: HNSW build time and single-thread queries/s at
// recall@10 >= target (ef swept), next to hnswlib (scripts/bench_index_peer.py) on the same
// vectors, queries and exact ground truth, with the same M and efConstruction. Data: seeded
// Gaussian-mixture vectors (`synthetic`) or MiniLM embeddings of seeded sentences (`minilm`).
import ArgumentParser
import Foundation
import Retrieval

struct BenchIndex: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "index", abstract: "HNSW build and query speed at a recall target, against hnswlib.")

    @Option(help: "synthetic or minilm.") var data: String = "synthetic"
    @Option(help: "Base vectors.") var count = 100_000
    @Option(help: "Dimensions (synthetic data).") var dim = 384
    @Option(help: "Queries.") var queries = 1000
    @Option(help: "HNSW links per node.") var m = 16
    @Option(help: "HNSW efConstruction.") var efConstruction = 200
    @Option(help: "Recall@10 to reach.") var target = 0.95
    @Flag(help: "Skip the hnswlib peer.") var noPeer = false
    @Option(help: "Path of scripts/bench_index_peer.py.") var peerPath: String?
    @Option(help: "Embedding model for --data minilm.") var embedder = "minilm"
    @Option(help: "text or json (names differ from `tailor bench`'s own options, which the parent takes).") var format = "text"
    var json: Bool { format == "json" }

    static let efs = [10, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 200, 256, 320, 400, 512]

    func validate() throws {
        guard ["synthetic", "minilm"].contains(data) else { throw ValidationError("--data must be synthetic or minilm") }
        guard count >= 100, queries >= 10, m >= 2 else { throw ValidationError("--count >= 100, --queries >= 10, --m >= 2") }
    }

    func run() throws {
        try reportingErrors {
            let (base, qs, d) = try makeData()
            let n = base.count / d, nq = qs.count / d
            // Exact ground truth (flat SIMD search).
            let flat = FlatIndex(dimension: d)
            for i in 0..<n { flat.add(id: Int64(i), vector: Array(base[(i * d)..<((i + 1) * d)])) }
            let queryVecs = (0..<nq).map { Array(qs[($0 * d)..<(($0 + 1) * d)]) }
            let truth = queryVecs.map { flat.search($0, k: 10).map { Int32($0.id) } }
            let t0 = Date()
            let h = HNSWIndex(dimension: d, parameters: HNSWParameters(M: m, efConstruction: efConstruction))
            for i in 0..<n { h.insert(id: Int64(i), vector: Array(base[(i * d)..<((i + 1) * d)])) }
            let build = Date().timeIntervalSince(t0)
            var ours: [(ef: Int, recall: Double, qps: Double)] = []
            for ef in Self.efs {
                let t = Date()
                var found = 0
                for (q, tr) in zip(queryVecs, truth) {
                    let set = Set(tr)
                    found += h.search(q, k: 10, ef: ef).filter { set.contains(Int32($0.id)) }.count
                }
                let r = Double(found) / Double(nq * 10)
                ours.append((ef, r, Double(nq) / Date().timeIntervalSince(t)))
                if r >= target { break }
            }
            var peer: [String: Any]?
            if !noPeer {
                let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tailor-bench-index-\(getpid())")
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: dir) }
                try base.withUnsafeBytes { try Data($0).write(to: dir.appendingPathComponent("base.f32")) }
                try qs.withUnsafeBytes { try Data($0).write(to: dir.appendingPathComponent("queries.f32")) }
                try truth.flatMap { $0 }.withUnsafeBytes { try Data($0).write(to: dir.appendingPathComponent("truth.i32")) }
                peer = try runPeer(script: peerPath ?? BenchData.script("bench_index_peer.py"),
                                   args: [dir.path, String(d), String(m), String(efConstruction), String(target)])
            }
            report(n: n, d: d, nq: nq, build: build, ours: ours, peer: peer)
        }
    }

    func makeData() throws -> ([Float], [Float], Int) {
        if data == "synthetic" {
            return (BenchData.vectors(count: count, dim: dim, seed: 1), BenchData.vectors(count: queries, dim: dim, seed: 2), dim)
        }
        let e = try EmbedderLocator.load(embedder, threads: 2)
        let texts = BenchData.sentences(count: count + queries, words: 12, seed: 3)
        let v = try e.embed(texts).flatMap { $0 }
        let d = e.dimension
        return (Array(v[0..<(count * d)]), Array(v[(count * d)...]), d)
    }

    func report(n: Int, d: Int, nq: Int, build: Double, ours: [(ef: Int, recall: Double, qps: Double)], peer: [String: Any]?) {
        let best = ours.last!
        if json {
            var o: [String: Any] = ["data": data, "count": n, "dim": d, "queries": nq, "M": m, "efConstruction": efConstruction,
                                    "tailor_build_seconds": build, "tailor_ef": best.ef, "tailor_recall": best.recall, "tailor_qps": best.qps]
            if let p = peer { for (k, v) in p { o["hnswlib_" + k] = v } }
            print((try? jsonLine(o)) ?? "{}")
            return
        }
        print("\(data): \(n) vectors of \(d) dims, \(nq) queries, M=\(m), efConstruction=\(efConstruction), one thread, recall@10 target \(target)")
        print(String(format: "tailor:  build %.1f s; ef=%d recall@10 %.3f, %.0f queries/s", build, best.ef, best.recall, best.qps))
        if let p = peer, let b = p["build_seconds"] as? Double, let ef = p["ef"] as? Int, let r = p["recall"] as? Double, let q = p["qps"] as? Double {
            print(String(format: "hnswlib: build %.1f s; ef=%d recall@10 %.3f, %.0f queries/s", b, ef, r, q))
            print(String(format: "ratios tailor/hnswlib: build time %.2fx, queries/s %.2fx", build / b, best.qps / q))
        }
    }
}
