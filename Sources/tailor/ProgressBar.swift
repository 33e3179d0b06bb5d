// ProgressBar.swift: the one progress bar of the CLI (eval, perplexity, embed, rag index).
import Foundation

/// A progress bar on stderr: done/total, rate and ETA; redraws at most 10 times a second.
struct ProgressBar {
    let enabled: Bool
    private var start = Date()
    private var lastDraw = Date.distantPast
    private var lastLabel = ""

    /// Off when `enabled` is false, and when stderr is not a terminal (unless TAILOR_PROGRESS is set),
    /// so logs and pipes get no carriage-return noise.
    init(enabled: Bool) {
        self.enabled = enabled && (isatty(2) != 0 || ProcessInfo.processInfo.environment["TAILOR_PROGRESS"] != nil)
    }

    mutating func update(done: Int, total: Int, label: String, unit: String = "ex") {
        guard enabled else { return }
        if label != lastLabel { start = Date(); lastLabel = label }
        let now = Date()
        guard done == total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0.05 && done > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : .nan
        let width = 24
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = String(format: "\r%@ %@ %d/%d  %.2f %@/s  ETA %@ ", label, bar, done, total, rate, unit, ProgressBar.clock(eta))
        FileHandle.standardError.write(Data(line.utf8))
    }

    mutating func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\n".utf8))
        lastLabel = ""
    }

    static func clock(_ s: Double) -> String {
        guard s.isFinite else { return "-:--" }
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }
}
