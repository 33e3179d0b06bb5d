// JinjaJSON.swift: JSON in and out for chat templates.
//
// `JinjaValue(json:)` is a small strict JSON parser that keeps object key order (templates iterate
// dicts and `tojson` them, so order is visible in the output). `pythonJSONDumps` reproduces
// Python's `json.dumps` as transformers' `tojson` filter calls it (ensure_ascii, indent,
// separators, sort_keys).
import Foundation

extension JinjaValue {
    /// Parses JSON text, keeping object keys in document order. Integers without fraction or
    /// exponent become `.int`, other numbers `.float`.
    public init(json: String) throws {
        var parser = JSONParser(scalars: Array(json.unicodeScalars))
        parser.skipSpace()
        let value = try parser.parseValue()
        parser.skipSpace()
        guard parser.pos == parser.scalars.count else { throw parser.error("trailing characters") }
        self = value
    }

    /// Parses UTF-8 JSON data, keeping object keys in document order.
    public init(jsonData: Data) throws {
        guard let text = String(data: jsonData, encoding: .utf8) else {
            throw ChatTemplateError(kind: .invalidInput, message: "JSON data is not UTF-8", line: nil)
        }
        try self.init(json: text)
    }
}

private struct JSONParser {
    let scalars: [Unicode.Scalar]
    var pos = 0

    func error(_ msg: String) -> ChatTemplateError {
        ChatTemplateError(kind: .invalidInput, message: "invalid JSON at offset \(pos): \(msg)", line: nil)
    }

    mutating func skipSpace() {
        while pos < scalars.count, [" ", "\n", "\r", "\t"].contains(scalars[pos]) { pos += 1 }
    }

    mutating func expect(_ word: String) throws {
        for u in word.unicodeScalars {
            guard pos < scalars.count, scalars[pos] == u else { throw error("expected \(word)") }
            pos += 1
        }
    }

    mutating func parseValue() throws -> JinjaValue {
        guard pos < scalars.count else { throw error("unexpected end") }
        switch scalars[pos] {
        case "{":
            pos += 1
            var dict = JinjaDict()
            skipSpace()
            if pos < scalars.count, scalars[pos] == "}" { pos += 1; return .dict(dict) }
            while true {
                skipSpace()
                guard pos < scalars.count, scalars[pos] == "\"" else { throw error("expected key") }
                let key = try parseString()
                skipSpace()
                try expect(":")
                skipSpace()
                dict[key] = try parseValue()
                skipSpace()
                guard pos < scalars.count else { throw error("unterminated object") }
                if scalars[pos] == "," { pos += 1; continue }
                if scalars[pos] == "}" { pos += 1; return .dict(dict) }
                throw error("expected , or }")
            }
        case "[":
            pos += 1
            var list: [JinjaValue] = []
            skipSpace()
            if pos < scalars.count, scalars[pos] == "]" { pos += 1; return .list(list) }
            while true {
                skipSpace()
                list.append(try parseValue())
                skipSpace()
                guard pos < scalars.count else { throw error("unterminated array") }
                if scalars[pos] == "," { pos += 1; continue }
                if scalars[pos] == "]" { pos += 1; return .list(list) }
                throw error("expected , or ]")
            }
        case "\"": return .string(try parseString())
        case "t": try expect("true"); return .bool(true)
        case "f": try expect("false"); return .bool(false)
        case "n": try expect("null"); return .none
        default: return try parseNumber()
        }
    }

    mutating func parseNumber() throws -> JinjaValue {
        let start = pos
        var isFloat = false
        while pos < scalars.count {
            let c = scalars[pos]
            if ("0"..."9").contains(c) || c == "-" || c == "+" {
                pos += 1
            } else if c == "." || c == "e" || c == "E" {
                isFloat = true
                pos += 1
            } else { break }
        }
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars[start..<pos])
        if !isFloat, let i = Int(text) { return .int(i) }
        guard !text.isEmpty, let d = Double(text) else { throw error("bad number") }
        return .float(d)
    }

    mutating func parseHex4() throws -> UInt32 {
        guard pos + 4 <= scalars.count else { throw error("bad \\u escape") }
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars[pos..<pos + 4])
        guard let v = UInt32(text, radix: 16) else { throw error("bad \\u escape") }
        pos += 4
        return v
    }

    mutating func parseString() throws -> String {
        pos += 1  // opening quote
        var out = String.UnicodeScalarView()
        while true {
            guard pos < scalars.count else { throw error("unterminated string") }
            let c = scalars[pos]
            pos += 1
            if c == "\"" { return String(out) }
            if c != "\\" { out.append(c); continue }
            guard pos < scalars.count else { throw error("bad escape") }
            let e = scalars[pos]
            pos += 1
            switch e {
            case "\"": out.append("\"")
            case "\\": out.append("\\")
            case "/": out.append("/")
            case "b": out.append("\u{8}")
            case "f": out.append("\u{c}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "u":
                var v = try parseHex4()
                if (0xD800..<0xDC00).contains(v), pos + 1 < scalars.count, scalars[pos] == "\\", scalars[pos + 1] == "u" {
                    let save = pos
                    pos += 2
                    let lo = try parseHex4()
                    if (0xDC00..<0xE000).contains(lo) {
                        v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00)
                    } else { pos = save }
                }
                out.append(Unicode.Scalar(v) ?? "\u{FFFD}")
            default: throw error("bad escape")
            }
        }
    }
}

/// Options of Python's `json.dumps` as exposed by transformers' `tojson` filter.
struct JSONDumpOptions {
    var ensureASCII = false
    var indent: String? = nil
    var itemSeparator: String? = nil
    var keySeparator: String? = nil
    var sortKeys = false
}

/// Python `json.dumps(value, ...)`. Throws for values JSON cannot hold (Undefined, namespaces, callables).
func pythonJSONDumps(_ value: JinjaValue, _ opts: JSONDumpOptions) throws -> String {
    var out = ""
    let itemSep = opts.itemSeparator ?? (opts.indent == nil ? ", " : ",")
    let keySep = opts.keySeparator ?? ": "
    func encode(_ v: JinjaValue, _ level: Int) throws {
        switch v {
        case .none: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .float(let d):
            if d.isNaN { out += "NaN" } else if d.isInfinite { out += d < 0 ? "-Infinity" : "Infinity" } else {
                out += formatPythonFloat(d)
            }
        case .string(let s): out += jsonQuote(s, ascii: opts.ensureASCII)
        case .list(let l):
            if l.isEmpty { out += "[]"; return }
            out += "["
            for (i, x) in l.enumerated() {
                if i > 0 { out += itemSep }
                if let ind = opts.indent { out += "\n" + String(repeating: ind, count: level + 1) }
                try encode(x, level + 1)
            }
            if let ind = opts.indent { out += "\n" + String(repeating: ind, count: level) }
            out += "]"
        case .dict(let d):
            if d.count == 0 { out += "{}"; return }
            out += "{"
            var pairs = d.pairs
            if opts.sortKeys { pairs.sort { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) } }
            for (i, (k, x)) in pairs.enumerated() {
                if i > 0 { out += itemSep }
                if let ind = opts.indent { out += "\n" + String(repeating: ind, count: level + 1) }
                out += jsonQuote(k, ascii: opts.ensureASCII) + keySep
                try encode(x, level + 1)
            }
            if let ind = opts.indent { out += "\n" + String(repeating: ind, count: level) }
            out += "}"
        case .undefined, .namespace, .callable, .iterator:
            throw JinjaRuntimeError("Object of type \(v.typeName) is not JSON serializable")
        }
    }
    try encode(value, 0)
    return out
}

/// A JSON string literal the way Python's json module writes it.
func jsonQuote(_ s: String, ascii: Bool) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{8}": out += "\\b"
        case "\u{c}": out += "\\f"
        default:
            if u.value < 0x20 {
                out += String(format: "\\u%04x", u.value)
            } else if ascii && u.value > 0x7f {
                if u.value > 0xFFFF {
                    let v = u.value - 0x10000
                    out += String(format: "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF))
                } else {
                    out += String(format: "\\u%04x", u.value)
                }
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}
