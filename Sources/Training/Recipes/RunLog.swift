// RunLog.swift: what a run shows and leaves behind: a one-line progress bar on stderr (step,
// loss, lr, tokens/s, ETA; off with quiet), metrics.jsonl (one JSON object per optimizer step and
// per validation), and loss_curve.svg (train and validation loss against step). Also the SIGINT
// flag the training loop polls so Ctrl-C ends with a checkpoint instead of a kill.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line of metrics.jsonl.
public struct MetricRecord: Codable, Equatable, Sendable {
    public var step: Int
    public var epoch: Double
    public var train_loss: Double?
    public var val_loss: Double?
    public var lr: Double?
    public var tokens_per_second: Double?
}

private var sigintReceived: sig_atomic_t = 0

/// Ctrl-C handling for training loops.
public enum Interrupt {
    /// Installs a SIGINT handler that only sets a flag (a second Ctrl-C still kills).
    public static func install() {
        sigintReceived = 0
        signal(SIGINT) { _ in
            if sigintReceived != 0 { signal(SIGINT, SIG_DFL); raise(SIGINT) }
            sigintReceived = 1
        }
    }
    public static var isRequested: Bool { sigintReceived != 0 }
    /// Clears the flag (tests).
    public static func reset() { sigintReceived = 0 }
    /// Sets the flag as if Ctrl-C had been pressed (tests).
    public static func request() { sigintReceived = 1 }
}

/// metrics.jsonl, the loss curve and the progress bar of one run folder.
public final class RunLog {
    public let directory: String
    public let quiet: Bool
    public private(set) var records: [MetricRecord] = []
    private var lastDraw = Date.distantPast

    /// Opens the log in `directory`, keeping earlier records up to `keepThrough` (resume) or none.
    public init(directory: String, quiet: Bool, keepThrough step: Int?) throws {
        self.directory = directory
        self.quiet = quiet
        if let step, let data = FileManager.default.contents(atPath: directory + "/metrics.jsonl") {
            records = String(decoding: data, as: UTF8.self).split(separator: "\n")
                .compactMap { try? JSONDecoder().decode(MetricRecord.self, from: Data($0.utf8)) }.filter { $0.step <= step }
        }
        try rewrite()
    }

    private func rewrite() throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let text = try records.map { String(decoding: try enc.encode($0), as: UTF8.self) + "\n" }.joined()
        try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/metrics.jsonl"), options: .atomic)
    }

    /// Appends a record to metrics.jsonl.
    public func append(_ r: MetricRecord) throws {
        records.append(r)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let line = String(decoding: try enc.encode(r), as: UTF8.self) + "\n"
        let fh = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/metrics.jsonl"))
        try fh.seekToEnd()
        try fh.write(contentsOf: Data(line.utf8))
        try fh.close()
    }

    /// Redraws the progress line (at most 5 times a second unless `force`).
    public func progress(step: Int, total: Int, loss: Double, lr: Float, tokensPerSecond: Double, secondsLeft: Double, force: Bool = false) {
        guard !quiet, force || Date().timeIntervalSince(lastDraw) > 0.2 else { return }
        lastDraw = Date()
        let width = 24, done = total > 0 ? width * step / total : width
        let bar = String(repeating: "#", count: done) + String(repeating: "-", count: width - done)
        let eta = secondsLeft.isFinite ? String(format: "%d:%02d", Int(secondsLeft) / 60, Int(secondsLeft) % 60) : "?"
        let line = String(format: "\r[%@] step %d/%d  loss %.4f  lr %.2e  %.0f tok/s  ETA %@ ", bar, step, total, loss, lr, tokensPerSecond, eta)
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Ends the progress line.
    public func finishLine() { if !quiet { FileHandle.standardError.write(Data("\n".utf8)) } }

    /// Prints a message on its own line (not in quiet mode).
    public func note(_ message: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data("\r\(message)\n".utf8))
    }

    /// Writes loss_curve.svg from the records.
    public func writeCurve() throws {
        let train = records.compactMap { r in r.train_loss.map { (Double(r.step), $0) } }
        let val = records.compactMap { r in r.val_loss.map { (Double(r.step), $0) } }
        let svg = LossCurve.svg(series: [("train", "#1f77b4", train), ("validation", "#d62728", val)])
        try Data(svg.utf8).write(to: URL(fileURLWithPath: directory + "/loss_curve.svg"), options: .atomic)
    }
}

/// A minimal line chart in SVG.
public enum LossCurve {
    public static func svg(series: [(name: String, color: String, points: [(Double, Double)])], width: Double = 640, height: Double = 360) -> String {
        let all = series.flatMap(\.points)
        let x0 = 0.0, x1 = max(1, all.map(\.0).max() ?? 1)
        let y0 = min(0, all.map(\.1).min() ?? 0), y1 = max(1e-6, all.map(\.1).max() ?? 1)
        let l = 60.0, r = 20.0, t = 20.0, b = 40.0
        func px(_ x: Double) -> Double { l + (x - x0) / (x1 - x0) * (width - l - r) }
        func py(_ y: Double) -> Double { height - b - (y - y0) / (y1 - y0) * (height - t - b) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<line x1=\"\(l)\" y1=\"\(height - b)\" x2=\"\(width - r)\" y2=\"\(height - b)\" stroke=\"black\"/>\n"
        s += "<line x1=\"\(l)\" y1=\"\(t)\" x2=\"\(l)\" y2=\"\(height - b)\" stroke=\"black\"/>\n"
        for i in 0...4 {
            let y = y0 + (y1 - y0) * Double(i) / 4
            s += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>\n", l - 6, py(y) + 4, y)
            let x = x0 + (x1 - x0) * Double(i) / 4
            s += String(format: "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>\n", px(x), height - b + 16, x)
        }
        s += "<text x=\"\(width / 2)\" y=\"\(height - 6)\" text-anchor=\"middle\">optimizer step</text>\n"
        for (i, ser) in series.enumerated() where !ser.points.isEmpty {
            let pts = ser.points.map { String(format: "%.1f,%.1f", px($0.0), py($0.1)) }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(ser.color)\" stroke-width=\"1.5\" points=\"\(pts)\"/>\n"
            s += "<text x=\"\(width - r - 100)\" y=\"\(t + 14 + Double(i) * 16)\" fill=\"\(ser.color)\">\(ser.name) loss</text>\n"
        }
        return s + "</svg>\n"
    }
}
