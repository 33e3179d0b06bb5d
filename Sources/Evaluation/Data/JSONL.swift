// JSONL.swift: reads JSON Lines task sets ({"input": ..., "target": ..., "labels": [...]} per
// line, or the other common field names, see `ExampleFields`) and reports every malformed line as `FILE:LINE: message`, naming the field at fault
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

/// Which fields of a line hold an example's input, target and allowed labels: the first name
/// present wins. The standard names cover the common layouts (input/target, question/answer,
/// text/label, sentence/label, prompt/completion, instruction[+input]/output, query/response).
public struct ExampleFields: Equatable, Sendable {
    public var input: [String]
    public var target: [String]
    public var labels: [String]

    public static let standard = ExampleFields(
        input: ["input", "question", "text", "sentence", "prompt", "query", "instruction"],
        target: ["target", "answer", "label", "output", "completion", "response"],
        labels: ["labels", "choices", "options"])

    public init(input: [String], target: [String], labels: [String]) {
        self.input = input; self.target = target; self.labels = labels
    }

    /// The standard names with "input=FIELD,target=FIELD,labels=FIELD" (any subset) replacing theirs.
    public init(parsing spec: String) throws {
        var named: [String: String] = [:]
        for pair in spec.split(separator: ",") {
            let kv = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, !kv[1].isEmpty else { throw JSONLError(file: "--field-map", line: 0, message: "'\(pair)' is not NAME=FIELD") }
            guard ["input", "target", "labels"].contains(kv[0]) else {
                throw JSONLError(file: "--field-map", line: 0, message: "unknown name '\(kv[0])' (use input, target, labels)")
            }
            named[kv[0]] = kv[1]
        }
        self.init(input: named["input"], target: named["target"], labels: named["labels"])
    }

    /// The standard names, with any field the user named replacing its list.
    public init(input: String?, target: String?, labels: String?) {
        let s = ExampleFields.standard
        self.init(input: input.map { [$0] } ?? s.input, target: target.map { [$0] } ?? s.target,
                  labels: labels.map { [$0] } ?? s.labels)
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

    /// The examples of a task set; throws the first malformed line. Each line needs a string input
    /// and a target (see `ExampleFields` for the names tried); `labels`, when present, must be an
    /// array of strings containing the target.
    public static func readExamples(at path: String, fields: ExampleFields = .standard) throws -> [TaskExample] {
        try readRecords(at: path).map { try example(from: $0, file: path, fields: fields) }
    }

    /// Every problem in the file (all malformed lines, not only the first), in line order.
    public static func problems(in path: String, fields: ExampleFields = .standard) -> [JSONLError] {
        let items: [Result<JSONLRecord, JSONLError>]
        do { items = try scan(path) } catch let e as JSONLError { return [e] } catch { return [JSONLError(file: path, line: 0, message: "\(error)")] }
        return items.compactMap { item in
            switch item {
            case .failure(let e): return e
            case .success(let r):
                do { _ = try example(from: r, file: path, fields: fields); return nil } catch let e as JSONLError { return e } catch { return nil }
            }
        }
    }

    /// Checks one record's fields and makes the example.
    public static func example(from r: JSONLRecord, file: String, fields: ExampleFields = .standard) throws -> TaskExample {
        func fail(_ m: String) -> JSONLError { JSONLError(file: file, line: r.line, message: m) }
        func present(_ names: [String], _ role: String) throws -> String {
            if let k = names.first(where: { r.fields[$0] != nil }) { return k }
            // the other names are worth listing only when the line is not plainly input/target
            let plain = r.fields[fields.input[0]] != nil || r.fields[fields.target[0]] != nil
            let tried = names.count > 1 && !plain ? " (also looked for \(names.dropFirst().map { "'\($0)'" }.joined(separator: ", ")); name it with --field-map \(role)=FIELD)" : ""
            throw fail("field '\(names[0])' is missing\(tried)")
        }
        // Alpaca layout (instruction, input, output): the instruction is the task, `input` (often
        // empty) its context; only when the input field was not named explicitly.
        let alpaca = fields.input.count > 1 && r.fields["instruction"] != nil
        let inputKey = alpaca ? "instruction" : try present(fields.input, "input")
        let targetKey = try present(fields.target, "target")
        guard case .string(var input) = r.fields[inputKey]! else {
            throw fail("field '\(inputKey)' is not a string (found \(r.fields[inputKey]!.kind))")
        }
        if alpaca, let c = r.fields["input"] {
            guard case .string(let context) = c else { throw fail("field 'input' is not a string (found \(c.kind))") }
            if !context.allSatisfy(\.isWhitespace) { input += "\n\n" + context }
        }
        if input.allSatisfy(\.isWhitespace) { throw fail("field '\(inputKey)' is empty") }
        var labels: [String]? = nil
        var labelsKey = "labels"
        if let k = fields.labels.first(where: { r.fields[$0] != nil }), let v = r.fields[k] {
            labelsKey = k
            guard case .array(let a) = v else { throw fail("field '\(k)' is not an array (found \(v.kind))") }
            labels = try a.enumerated().map { i, e in
                guard case .string(let s) = e else { throw fail("field '\(k)' item \(i) is not a string (found \(e.kind))") }
                return s
            }
        }
        let target: String
        switch r.fields[targetKey]! {
        case .string(let s): target = s
        case .number(let d) where d == d.rounded() && abs(d) < 1e15:
            // an integer answer: a label's index when the labels do not name it, else the number itself
            let n = Int(d)
            if let l = labels, !l.contains(String(n)) {
                guard l.indices.contains(n) else { throw fail("field '\(targetKey)' index \(n) is outside '\(labelsKey)' (\(l.count) items)") }
                target = l[n]
            } else { target = String(n) }
        case .number(let d): target = String(d)
        case .bool(let b): target = b ? "true" : "false"
        case let v: throw fail("field '\(targetKey)' is not a string (found \(v.kind))")
        }
        if let l = labels, !l.contains(target) { throw fail("field '\(targetKey)' value '\(target)' is not one of '\(labelsKey)'") }
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
