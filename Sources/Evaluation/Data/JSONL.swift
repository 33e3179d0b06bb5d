// JSONL.swift: reads JSON Lines task sets ({"input": ..., "target": ..., "labels": [...]} per
// line) and reports every malformed line as `FILE:LINE: message`, naming the field at fault
// ("field 'target' is missing", "field 'target' is not a string (found number)", "invalid JSON").
// Blank lines are skipped; a UTF-8 BOM and CRLF line ends are accepted. Whole file in memory:
// meant for task sets of up to some hundred MB, not for pre-training corpora.
import Foundation

/// A malformed line (or an unreadable file): `FILE:LINE: message`.
public struct JSONLError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The path as it was given.
    public var file: String
    /// 1-based line number; 0 when the whole file is at fault.
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file; self.line = line; self.message = message
    }

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

/// A JSON value, with the kinds JSON distinguishes (Foundation's JSONSerialization blurs
/// booleans and numbers on Linux).
public enum JSONValue: Decodable, Equatable, Sendable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null } else if let b = try? c.decode(Bool.self) { self = .bool(b) } else if let d = try? c.decode(Double.self) { self = .number(d) } else if let s = try? c.decode(String.self) { self = .string(s) } else if let a = try? c.decode([JSONValue].self) { self = .array(a) } else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// "null", "boolean", "number", "string", "array" or "object".
    public var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// One non-blank line of a JSONL file.
public struct JSONLRecord: Sendable {
    /// 1-based line number in the file.
    public var line: Int
    /// The line's text as read (without its line end), for writing it out unchanged.
    public var raw: String
    /// The line's top-level object.
    public var fields: [String: JSONValue]

    public init(line: Int, raw: String, fields: [String: JSONValue]) {
        self.line = line; self.raw = raw; self.fields = fields
    }
}

/// One example of a task set.
public struct TaskExample: Equatable, Sendable {
    public var input: String
    public var target: String
    /// The allowed labels, for classification tasks.
    public var labels: [String]?
    /// 1-based line number in the file it came from.
    public var line: Int

    public init(input: String, target: String, labels: [String]? = nil, line: Int = 0) {
        self.input = input; self.target = target; self.labels = labels; self.line = line
    }
}

/// Reading and checking JSONL files.
public enum JSONL {
    /// The lines of `path` as JSON objects; throws the first malformed line.
    public static func readRecords(at path: String) throws -> [JSONLRecord] {
        var out: [JSONLRecord] = []
        for item in try scan(path) {
            switch item {
            case .success(let r): out.append(r)
            case .failure(let e): throw e
            }
        }
        return out
    }

    /// The examples of a task set; throws the first malformed line. Requires string `input` and
    /// `target`; `labels`, when present, must be an array of strings containing the target.
    public static func readExamples(at path: String) throws -> [TaskExample] {
        try readRecords(at: path).map { try example(from: $0, file: path) }
    }

    /// Every problem in the file (all malformed lines, not only the first), in line order.
    public static func problems(in path: String) -> [JSONLError] {
        let items: [Result<JSONLRecord, JSONLError>]
        do { items = try scan(path) } catch let e as JSONLError { return [e] } catch { return [JSONLError(file: path, line: 0, message: "\(error)")] }
        return items.compactMap { item in
            switch item {
            case .failure(let e): return e
            case .success(let r):
                do { _ = try example(from: r, file: path); return nil } catch let e as JSONLError { return e } catch { return nil }
            }
        }
    }

    /// Checks one record's fields and makes the example.
    public static func example(from r: JSONLRecord, file: String) throws -> TaskExample {
        func fail(_ m: String) -> JSONLError { JSONLError(file: file, line: r.line, message: m) }
        func string(_ key: String) throws -> String {
            guard let v = r.fields[key] else { throw fail("field '\(key)' is missing") }
            guard case .string(let s) = v else { throw fail("field '\(key)' is not a string (found \(v.kind))") }
            return s
        }
        let input = try string("input"), target = try string("target")
        if input.allSatisfy(\.isWhitespace) { throw fail("field 'input' is empty") }
        var labels: [String]? = nil
        if let v = r.fields["labels"] {
            guard case .array(let a) = v else { throw fail("field 'labels' is not an array (found \(v.kind))") }
            labels = try a.enumerated().map { i, e in
                guard case .string(let s) = e else { throw fail("field 'labels' item \(i) is not a string (found \(e.kind))") }
                return s
            }
            if !(labels ?? []).contains(target) { throw fail("field 'target' value '\(target)' is not one of 'labels'") }
        }
        return TaskExample(input: input, target: target, labels: labels, line: r.line)
    }

    /// Every non-blank line of `path`: its record, or its problem (FILE:LINE); file-level problems throw.
    public static func scan(_ path: String) throws -> [Result<JSONLRecord, JSONLError>] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw JSONLError(file: path, line: 0, message: FileManager.default.fileExists(atPath: path) ? "cannot read file" : "no such file")
        }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let decoder = JSONDecoder()
        var out: [Result<JSONLRecord, JSONLError>] = []
        var lineNo = 0
        for var lineBytes in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNo += 1
            if lineBytes.last == 0x0D { lineBytes = lineBytes.dropLast() }
            guard let text = String(validatingUTF8Bytes: lineBytes) else {
                out.append(.failure(JSONLError(file: path, line: lineNo, message: "line is not valid UTF-8"))); continue
            }
            if text.allSatisfy(\.isWhitespace) { continue }
            guard let value = try? decoder.decode(JSONValue.self, from: Data(lineBytes)) else {
                out.append(.failure(JSONLError(file: path, line: lineNo, message: "invalid JSON"))); continue
            }
            guard case .object(let fields) = value else {
                out.append(.failure(JSONLError(file: path, line: lineNo, message: "expected a JSON object, found \(value.kind)"))); continue
            }
            out.append(.success(JSONLRecord(line: lineNo, raw: text, fields: fields)))
        }
        return out
    }
}

extension String {
    /// Decodes UTF-8, or nil when the bytes are not valid UTF-8.
    init?<C: Collection>(validatingUTF8Bytes bytes: C) where C.Element == UInt8 {
        var s = ""
        var it = bytes.makeIterator()
        var codec = UTF8()
        loop: while true {
            switch codec.decode(&it) {
            case .scalarValue(let u): s.unicodeScalars.append(u)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self = s
    }
}
