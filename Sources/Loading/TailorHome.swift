// TailorHome.swift: where Tailor keeps models and state: $TAILOR_HOME, or ~/.cache/tailor.
import Foundation

public struct TailorHome: Sendable {
    public let root: URL

    public init(root: URL) { self.root = root }

    public static var current: TailorHome {
        if let h = ProcessInfo.processInfo.environment["TAILOR_HOME"], !h.isEmpty {
            return TailorHome(root: URL(fileURLWithPath: h))
        }
        let home = FileManager.default.homeDirectoryForCurrentUser
        return TailorHome(root: home.appendingPathComponent(".cache/tailor"))
    }

    public var modelsDirectory: URL { root.appendingPathComponent("models") }

    /// Where a catalog model's file lives once pulled.
    public func path(for entry: CatalogEntry) -> URL {
        modelsDirectory.appendingPathComponent(entry.name).appendingPathComponent(entry.filename)
    }
}

public enum LoadError: Error, CustomStringConvertible, Equatable {
    case notFound(String, known: [String])
    case notPulled(name: String, path: String)
    case badCatalog(path: String, message: String)
    case pullFailed(name: String, message: String)
    case checksum(path: String, expected: String, actual: String)
    case sizeMismatch(path: String, expected: Int, actual: Int)

    public var description: String {
        switch self {
        case let .notFound(s, known):
            "model '\(s)' is neither a file nor a catalog name (known: \(known.joined(separator: ", ")))"
        case let .notPulled(n, p): "model '\(n)' is not downloaded yet (expected at \(p)); run: tailor pull \(n)"
        case let .badCatalog(p, m): "\(p): bad catalog: \(m)"
        case let .pullFailed(n, m): "pull \(n): \(m)"
        case let .checksum(p, e, a): "\(p): sha256 \(a) does not match the catalog's \(e)"
        case let .sizeMismatch(p, e, a): "\(p): size \(a) does not match the catalog's \(e)"
        }
    }
}
