// Models.swift: `tailor models`: what is cached (or, with --catalog, what can be pulled).
import ArgumentParser
import Foundation
import Formats
import Loading

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List downloaded models: name, architecture, parameters, quant types, size.")

    @Flag(help: "List the catalog instead of the cache.")
    var catalog = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        try reportingErrors {
            if catalog {
                for e in try Catalog.load().entries {
                    print("\(e.name)\t\(e.filename)\t\(e.size.map(formatBytes) ?? "?")\t\(e.description ?? "")")
                }
                return
            }
            let rows = try ModelInventory.scan(home: .current)
            if json {
                let enc = JSONEncoder()
                enc.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try enc.encode(rows), as: UTF8.self))
                return
            }
            if rows.isEmpty { printError("no models in \(TailorHome.current.modelsDirectory.path); run `tailor pull`"); return }
            let header = ["NAME", "ARCH", "PARAMS", "QUANT", "SIZE", "PATH"]
            let table = rows.map { [$0.name, $0.architecture, formatCount($0.parameters), $0.quantTypes.joined(separator: ","), formatBytes($0.bytes), $0.path] }
            tailor_printTable([header] + table)
        }
    }
}

func formatBytes(_ n: Int) -> String {
    let d = Double(n)
    if d >= Double(1 << 30) { return String(format: "%.2f GiB", d / Double(1 << 30)) }
    if d >= Double(1 << 20) { return String(format: "%.1f MiB", d / Double(1 << 20)) }
    return String(format: "%.0f KiB", d / 1024)
}

func formatCount(_ n: Int) -> String {
    n >= 1_000_000_000 ? String(format: "%.2fB", Double(n) / 1e9) : String(format: "%.1fM", Double(n) / 1e6)
}

func tailor_printTable(_ rows: [[String]]) {
    guard let first = rows.first else { return }
    var widths = first.map(\.count)
    for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
    for r in rows {
        let line = r.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        print(line.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression))
    }
}
