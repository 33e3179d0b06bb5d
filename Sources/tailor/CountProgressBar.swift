// CountProgressBar.swift: a one-line progress bar on stderr with rate and ETA (quiet: nothing).
import Foundation

/// Redraws "label [#####.....] done/total rate/s ETA" on stderr, at most ~10 times a second.
final class CountProgressBar {
    let label: String
    let total: Int
    let quiet: Bool
    let start = Date()
    var last = Date.distantPast

    init(label: String, total: Int, quiet: Bool) {
        self.label = label
        self.total = max(total, 1)
        self.quiet = quiet || isatty(2) == 0 && ProcessInfo.processInfo.environment["TAILOR_PROGRESS"] == nil
    }

    func update(_ done: Int) {
        guard !quiet, Date().timeIntervalSince(last) > 0.1 || done == total else { return }
        last = Date()
        let el = Date().timeIntervalSince(start)
        let rate = el > 0 ? Double(done) / el : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let width = 24, filled = width * min(done, total) / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data(String(format: "\r%@ [%@] %d/%d %.1f/s ETA %.0fs ", label, bar, done, total, rate, eta).utf8))
    }

    func finish() {
        guard !quiet else { return }
        update(total)
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
