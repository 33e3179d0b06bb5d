// Models.swift: `tailor models`: what is cached (or, with --catalog, what can be pulled): GGUF
// files, and folder models of the catalog (sentence-transformers such as minilm) that are pulled.
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
            let rows = try ModelInventory.scan(home: .current).map(ModelRow.init) + Models.folderModels(home: .current)
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

/// One listed model (the fields and JSON keys of Loading's ModelSummary).
struct ModelRow: Codable {
    var name: String
    var path: String
    var architecture: String
    var parameters: Int
    var quantTypes: [String]
    var bytes: Int
}

extension ModelRow {
    init(_ s: ModelSummary) {
        self.init(name: s.name, path: s.path, architecture: s.architecture, parameters: s.parameters, quantTypes: s.quantTypes, bytes: s.bytes)
    }
}

extension Models {
    /// Pulled folder models of the catalog: architecture from config.json, parameters and dtypes
    /// from the safetensors header, size of the whole folder.
    static func folderModels(home: TailorHome) throws -> [ModelRow] {
        let fm = FileManager.default
        var out: [ModelRow] = []
        for e in try Catalog.load(home: home).entries where e.isFolder {
            let dir = home.path(for: e)
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: dir.path, isDirectory: &isDir), isDir.boolValue else { continue }
            var arch = "?", params = 0, types: [String] = []
            if let d = fm.contents(atPath: dir.appendingPathComponent("config.json").path),
               let o = (try? JSONSerialization.jsonObject(with: d)) as? [String: Any] {
                arch = (o["model_type"] as? String) ?? (o["architectures"] as? [String])?.first ?? "?"
            }
            if let st = try? SafetensorsFile(path: dir.appendingPathComponent("model.safetensors").path) {
                params = st.tensors.reduce(0) { $0 + $1.elementCount }
                var byType: [String: Int] = [:]
                for t in st.tensors { byType[t.dtype.rawValue, default: 0] += t.elementCount }
                types = byType.sorted { $0.value > $1.value }.map(\.key)
            }
            var bytes = 0
            if let walk = fm.enumerator(at: dir, includingPropertiesForKeys: [.fileSizeKey]) {
                for case let u as URL in walk { bytes += (try? u.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0 }
            }
            out.append(ModelRow(name: e.name, path: dir.path, architecture: arch, parameters: params, quantTypes: types, bytes: bytes))
        }
        return out
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
