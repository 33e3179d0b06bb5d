// DocumentLoader.swift: files -> plain text with heading structure, for chunking. .txt as is;
// .md with "#" headings; .html with tags, comments, scripts and styles removed, block elements
// as line breaks, entities decoded and <h1>-<h6> kept as markdown headings; .json/.jsonl: one
// document per record from a chosen string field; .pdf through `pdftotext` (poppler-utils).
// Offsets elsewhere refer to the extracted text as UTF-8 bytes, not to the raw file.
import Foundation

/// One unit of text to chunk: a file, or one record of a JSON/JSONL file.
public struct SourceDocument: Sendable, Equatable {
    /// The file path, with "#LINE" (JSONL) or "#INDEX" (JSON array) for a record.
    public var source: String
    public var text: String
    public init(source: String, text: String) { self.source = source; self.text = text }
}

/// A file that cannot be ingested, naming the file (and line/field where there is one).
public struct IngestError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ message: String) { description = message }
}

/// Reads documents from files by extension.
public struct DocumentLoader: Sendable {
    /// The field holding the text in .json/.jsonl records.
    public var jsonField: String = "text"
    /// The extensions `load` accepts.
    public static let extensions: Set<String> = ["txt", "md", "markdown", "html", "htm", "json", "jsonl", "pdf"]

    public init(jsonField: String = "text") { self.jsonField = jsonField }

    /// The documents in `path` (by extension).
    public func load(path: String, data: Data) throws -> [SourceDocument] {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        func text() throws -> String {
            guard let s = String(data: data, encoding: .utf8) else { throw IngestError("\(path): not valid UTF-8 text") }
            return s
        }
        switch ext {
        case "txt", "md", "markdown": return [SourceDocument(source: path, text: try text())]
        case "html", "htm": return [SourceDocument(source: path, text: HTMLText.extract(try text()))]
        case "jsonl": return try jsonl(path: path, text: try text())
        case "json": return try json(path: path, data: data)
        case "pdf": return [SourceDocument(source: path, text: try PDFText.extract(path: path))]
        default: throw IngestError("\(path): unsupported file type '.\(ext)' (supported: \(Self.extensions.sorted().joined(separator: ", ")))")
        }
    }

    private func jsonl(path: String, text: String) throws -> [SourceDocument] {
        var out: [SourceDocument] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let t = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if t.isEmpty { continue }
            guard let obj = (try? JSONSerialization.jsonObject(with: Data(t.utf8))) as? [String: Any] else {
                throw IngestError("\(path):\(i + 1): not a JSON object")
            }
            out.append(SourceDocument(source: "\(path)#\(i + 1)", text: try field(obj, "\(path):\(i + 1)")))
        }
        return out
    }

    private func json(path: String, data: Data) throws -> [SourceDocument] {
        guard let obj = try? JSONSerialization.jsonObject(with: data) else { throw IngestError("\(path): not valid JSON") }
        if let one = obj as? [String: Any] { return [SourceDocument(source: path, text: try field(one, path))] }
        guard let arr = obj as? [Any] else { throw IngestError("\(path): expected an object or an array of objects") }
        return try arr.enumerated().map { i, e in
            guard let o = e as? [String: Any] else { throw IngestError("\(path): item \(i) is not an object") }
            return SourceDocument(source: "\(path)#\(i)", text: try field(o, "\(path): item \(i)"))
        }
    }

    private func field(_ o: [String: Any], _ at: String) throws -> String {
        guard let v = o[jsonField] else { throw IngestError("\(at): field '\(jsonField)' is missing") }
        guard let s = v as? String else { throw IngestError("\(at): field '\(jsonField)' is not a string") }
        return s
    }
}

/// PDF text through poppler's pdftotext.
enum PDFText {
    static func extract(path: String) throws -> String {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        guard let exe = dirs.map({ "\($0)/pdftotext" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw IngestError("\(path): PDF needs pdftotext, which is not installed (Debian/Ubuntu: apt-get install poppler-utils)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["-enc", "UTF-8", path, "-"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let msg = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw IngestError("\(path): pdftotext failed (exit \(p.terminationStatus)): \(msg.split(separator: "\n").first ?? "")")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
