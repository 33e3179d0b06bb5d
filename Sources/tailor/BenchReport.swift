// BenchReport.swift: samples, medians, the peer runner and the printed table for `tailor bench`.
import Foundation
import Tensor
import CKernels

/// The int8 kernel set dispatch picks on this CPU (what the figures measure).
enum Int8Kernels {
    static var name: String {
        let f = tk_cpu_features_active()
        return f & 2 != 0 && f & 4 != 0 ? "AVX-512 VNNI" : f & 2 != 0 ? "AVX-512 (AVX2 packed)" : f & 1 != 0 ? "AVX2" : "portable"
    }
}

struct BenchSample: Codable {
    var prefillTPS: Double
    var decodeTPS: Double
    var peakRSS: Int
    var version: String?

    static func median(_ s: [BenchSample]) -> BenchSample {
        func med(_ v: [Double]) -> Double { let a = v.sorted(); return a.count % 2 == 1 ? a[a.count / 2] : (a[a.count / 2 - 1] + a[a.count / 2]) / 2 }
        return BenchSample(prefillTPS: med(s.map(\.prefillTPS)), decodeTPS: med(s.map(\.decodeTPS)),
                           peakRSS: s.map(\.peakRSS).max() ?? 0, version: s.last?.version)
    }
}

struct BatchedSample: Codable {
    var sequences: Int
    var tokensPerSecond: Double
}

struct BenchReport: Codable {
    var model: String
    var threads: Int
    var promptTokens: Int
    var decodeTokens: Int
    var openblasCoretype: String?
    var tailor: BenchSample
    var peer: BenchSample?
    var peerName: String?
    var peerVersion: String?
    var batched: [BatchedSample] = []
    /// Weight bytes read per decode step (decodeWeightBytes); × decode tok/s = achieved GB/s.
    var weightBytesPerToken: Int = 0
    /// `--sums`: auto, ggml (llama.cpp's order) or block.
    var sums: String = "auto"

    func printReport() {
        print("model \(model), threads \(threads), OPENBLAS_CORETYPE=\(openblasCoretype ?? "(unset)"), BLAS kernels \(BLASKernels.coreName), int8 kernels \(Int8Kernels.name), sums \(sums)")
        var rows = [["", "tailor"] + (peer != nil ? ["llama.cpp", "ratio"] : [])]
        func row(_ name: String, _ a: Double, _ b: Double?, _ fmt: String, higherIsBetter: Bool = true) {
            var r = [name, String(format: fmt, a)]
            if let b { r += [String(format: fmt, b), String(format: "%.2fx", b > 0 ? a / b : 0)] }
            rows.append(r)
        }
        row("prefill \(promptTokens) (tok/s)", tailor.prefillTPS, peer?.prefillTPS, "%.1f")
        row("decode \(decodeTokens) (tok/s)", tailor.decodeTPS, peer?.decodeTPS, "%.1f")
        row("peak RSS (MiB)", Double(tailor.peakRSS) / 1048576, peer.map { Double($0.peakRSS) / 1048576 }, "%.1f")
        for b in batched {
            rows.append(["batched decode x\(b.sequences) (tok/s)", String(format: "%.1f", b.tokensPerSecond)]
                        + (peer != nil ? ["", ""] : []))
        }
        tailor_printTable(rows)
        for b in batched where tailor.decodeTPS > 0 {
            print(String(format: "batched x%d: %.2fx single-sequence decode throughput", b.sequences, b.tokensPerSecond / tailor.decodeTPS))
        }
        if weightBytesPerToken > 0 {
            let gb = Double(weightBytesPerToken) / 1e9
            var line = String(format: "decode reads %.1f MB of weights per token: %.1f GB/s achieved", gb * 1e3, gb * tailor.decodeTPS)
            if let p = peer { line += String(format: " (llama.cpp %.1f GB/s)", gb * p.decodeTPS) }
            print(line)
        }
        if let v = peerVersion { print("peer: \(peerName ?? "") \(v)") }
    }
}

/// Runs llama.cpp once per call: llama-cpp-python through scripts/bench_llamacpp.py, or llama-bench.
struct PeerRunner {
    let arguments: [String]
    let isLlamaBench: Bool

    init(spec: String, script: String?, model: String, threads: Int, promptTokens: Int, decodeTokens: Int) throws {
        if spec == "llama-cpp-python" {
            let path = script ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../scripts/bench_llamacpp.py").standardized.path
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationFailure("peer script not found at \(path); pass --peer-script")
            }
            arguments = ["python3", path, model, "--threads", "\(threads)", "--prompt-tokens", "\(promptTokens)",
                         "--decode-tokens", "\(decodeTokens)"]
            isLlamaBench = false
        } else {
            guard FileManager.default.isExecutableFile(atPath: spec) else {
                throw ValidationFailure("--peer must be 'llama-cpp-python' or an executable llama-bench path; \(spec) is neither")
            }
            arguments = [spec, "-m", model, "-p", "\(promptTokens)", "-n", "\(decodeTokens)", "-t", "\(threads)", "-r", "1", "-o", "json"]
            isLlamaBench = true
        }
    }

    func run() throws -> BenchSample {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw ValidationFailure("peer \(arguments[0]) exited with \(p.terminationStatus)") }
        if isLlamaBench {
            guard let arr = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
                throw ValidationFailure("llama-bench printed no JSON")
            }
            var s = BenchSample(prefillTPS: 0, decodeTPS: 0, peakRSS: childPeakRSS(), version: arr.first?["build_commit"] as? String)
            for r in arr {
                let ts = r["avg_ts"] as? Double ?? 0
                if (r["n_prompt"] as? Int ?? 0) > 0 { s.prefillTPS = ts } else { s.decodeTPS = ts }
            }
            return s
        }
        guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ValidationFailure("peer printed no JSON")
        }
        return BenchSample(prefillTPS: o["prefill_tps"] as? Double ?? 0, decodeTPS: o["decode_tps"] as? Double ?? 0,
                           peakRSS: o["peak_rss_bytes"] as? Int ?? 0, version: o["version"] as? String)
    }
}

struct ValidationFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Largest peak RSS of any finished child process, in bytes.
func childPeakRSS() -> Int {
    var u = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &u)
    return Int(u.ru_maxrss) * 1024
}
