// RecordReader.swift: reads training files as records of named fields: JSON Lines (through
// Evaluation's JSONL scanner, which reports FILE:LINE problems) or CSV with a header row
// (RFC 4180: quoted fields, doubled quotes, commas and newlines inside quotes). CSV cells are
// strings; a CSV cell that holds a JSON array (a `messages` column) is decoded as JSON.
// Limits: whole file in memory; CSV lines are numbered by the physical line a record starts on.
import Evaluation
import Foundation

/// Reading JSONL or CSV training files.
public enum RecordReader {
    /// Every record of `path` (by extension: `.csv` is CSV, anything else JSON Lines), or the
    /// problem of its line. File-level problems (missing, unreadable) throw.
    public static func read(_ path: String) throws -> [Result<JSONLRecord, JSONLError>] {
        path.lowercased().hasSuffix(".csv") ? try readCSV(path) : try JSONL.scan(path)
    }

    /// CSV with a header row naming the fields.
    public static func readCSV(_ path: String) throws -> [Result<JSONLRecord, JSONLError>] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JSONLError(file: path, line: 0, message: FileManager.default.fileExists(atPath: path) ? "cannot read file" : "no such file")
        }
        guard var text = String(data: data, encoding: .utf8) else { throw JSONLError(file: path, line: 0, message: "file is not valid UTF-8") }
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let rows = parseCSV(text)
        guard let header = rows.first?.cells, !header.isEmpty else { throw JSONLError(file: path, line: 0, message: "CSV file has no header row") }
        var out: [Result<JSONLRecord, JSONLError>] = []
        for row in rows.dropFirst() {
            if row.cells.allSatisfy({ $0.isEmpty }) { continue }
            guard row.cells.count == header.count else {
                out.append(.failure(JSONLError(file: path, line: row.line, message: "expected \(header.count) columns, found \(row.cells.count)")))
                continue
            }
            var fields: [String: JSONValue] = [:]
            for (k, v) in zip(header, row.cells) {
                if v.hasPrefix("["), let j = try? JSONDecoder().decode(JSONValue.self, from: Data(v.utf8)) { fields[k] = j } else { fields[k] = .string(v) }
            }
            out.append(.success(JSONLRecord(line: row.line, raw: row.raw, fields: fields)))
        }
        return out
    }

    /// Splits CSV text into rows of cells, with the 1-based line each row starts on.
    static func parseCSV(_ text: String) -> [(line: Int, raw: String, cells: [String])] {
        var rows: [(line: Int, raw: String, cells: [String])] = []
        var cells: [String] = [], cell = "", raw = ""
        var inQuotes = false, line = 1, start = 1
        var chars = Array(text), i = 0
        if chars.last != "\n" { chars.append("\n") }
        while i < chars.count {
            let c = chars[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < chars.count, chars[i + 1] == "\"" { cell.append("\""); raw.append("\"\""); i += 2; continue }
                    inQuotes = false
                } else {
                    if c == "\n" { line += 1 }
                    cell.append(c)
                }
                raw.append(c)
            } else if c == "\"" {
                inQuotes = true; raw.append(c)
            } else if c == "," {
                cells.append(cell); cell = ""; raw.append(c)
            } else if c == "\n" || c == "\r\n" || c == "\r" {
                cells.append(cell)
                rows.append((start, raw, cells))
                cells = []; cell = ""; raw = ""
                line += 1; start = line
            } else {
                cell.append(c); raw.append(c)
            }
            i += 1
        }
        return rows
    }
}
