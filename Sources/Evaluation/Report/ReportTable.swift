// ReportTable.swift: the terminal comparison table of an evaluation (one row per prompt mode),
// with columns aligned by display width, and a few wrong answers per mode for a first look.

/// Plain-text rendering of reports.
public enum ReportTable {
    /// One row per run: mode, metric score, macro-F1, right/total, generated tokens, seconds.
    public static func render(_ report: EvalReport) -> String {
        var rows: [[String]] = [["prompt", report.metric, "macro-F1", "right", "gen tokens", "seconds"]]
        for r in report.runs {
            rows.append([r.mode, formatScore(r.score, metric: r.metric), r.macroF1.map { fixed($0, 3) } ?? "-",
                         "\(r.correct)/\(r.count)", "\(r.generatedTokens)", fixed(r.seconds, 1)])
        }
        var out = "task \(report.task) · model \(report.model) · \(report.data) · shots: \(report.shotSelection), seed \(report.seed)\n"
        out += table(rows, rightAligned: [1, 2, 3, 4, 5])
        return out
    }

    /// Up to `limit` wrong predictions per run, as "mode  input -> prediction (want target)".
    public static func errors(_ report: EvalReport, limit: Int = 3) -> String {
        var out = ""
        for r in report.runs {
            for e in r.examples.filter({ !$0.correct }).prefix(limit) {
                out += "  \(r.mode): \(clip(e.input, 50)) -> \(clip(e.prediction.isEmpty ? "(empty)" : e.prediction, 30)) (want \(e.target))\n"
            }
        }
        return out
    }

    /// Renders rows with a header rule; `rightAligned` lists column indices.
    public static func table(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        guard let header = rows.first else { return "" }
        var widths = [Int](repeating: 0, count: header.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ r: [String]) -> String {
            r.enumerated().map { i, c in
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return rightAligned.contains(i) ? pad + c : c + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out = line(header) + "\n" + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for r in rows.dropFirst() { out += line(r) + "\n" }
        return out
    }

    static func formatScore(_ s: Double, metric: String) -> String { metric == "bleu" ? fixed(s, 2) : fixed(s, 3) }

    static func fixed(_ x: Double, _ digits: Int) -> String {
        guard x.isFinite else { return "\(x)" }
        var p = 1.0
        for _ in 0..<digits { p *= 10 }
        let r = (abs(x) * p).rounded()
        let whole = Int(r / p), frac = Int(r.truncatingRemainder(dividingBy: p))
        var f = String(frac)
        while f.count < digits { f = "0" + f }
        return (x < 0 && r > 0 ? "-" : "") + "\(whole)" + (digits > 0 ? "." + f : "")
    }

    static func clip(_ s: String, _ n: Int) -> String {
        let one = s.replacingOccurrences(of: "\n", with: " ")
        return one.count <= n ? one : String(one.prefix(n - 1)) + "…"
    }
}

import Foundation
