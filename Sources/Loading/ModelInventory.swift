// ModelInventory.swift: describes the GGUF files cached under $TAILOR_HOME/models.
import Foundation
import Formats

public struct ModelSummary: Codable, Sendable {
    public var name: String
    public var path: String
    public var architecture: String
    public var parameters: Int
    /// Tensor types by how many elements use them, most first (e.g. ["Q4_1", "Q8_0", "F32"]).
    public var quantTypes: [String]
    public var bytes: Int

    /// Reads the summary of one GGUF file.
    public init(path: String, name: String) throws {
        let f = try GGUFFile(path: path)
        self.name = name
        self.path = path
        architecture = f.string("general.architecture") ?? "?"
        parameters = f.tensors.reduce(0) { $0 + $1.elementCount }
        var byType: [String: Int] = [:]
        for t in f.tensors { byType[t.type.name, default: 0] += t.elementCount }
        quantTypes = byType.sorted { $0.value > $1.value }.map(\.key)
        bytes = f.fileSize
    }
}

public enum ModelInventory {
    /// Every readable .gguf under the models folder; unreadable files are listed with "?".
    public static func scan(home: TailorHome) throws -> [ModelSummary] {
        let fm = FileManager.default
        let dir = home.modelsDirectory
        guard let names = try? fm.contentsOfDirectory(atPath: dir.path) else { return [] }
        var out: [ModelSummary] = []
        for n in names.sorted() where !n.hasPrefix(".") {
            let sub = dir.appendingPathComponent(n)
            for f in ((try? fm.contentsOfDirectory(atPath: sub.path)) ?? []).sorted() where f.hasSuffix(".gguf") {
                let p = sub.appendingPathComponent(f).path
                if let s = try? ModelSummary(path: p, name: n) { out.append(s) }
            }
        }
        return out
    }
}
