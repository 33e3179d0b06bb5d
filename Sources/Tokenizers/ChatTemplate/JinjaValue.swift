// JinjaValue.swift: the Python-like value model of the chat-template (Jinja subset) interpreter.
//
// Values mirror what a Jinja template sees when transformers renders a chat: None, bool, int,
// float, str, list and dict (insertion ordered, string keys), plus interpreter-only values
// (Undefined, namespace objects and callables). Python tuples are represented as lists.
// Strings are indexed and measured in Unicode scalars, as Python's `str` is.
import Foundation

/// A value seen by a chat template: a JSON-like value plus Jinja's `Undefined`, namespaces and callables.
public enum JinjaValue {
    /// Jinja's default `Undefined`: renders as "", is falsy, iterates as empty; most other uses fail.
    case undefined(JinjaUndefined)
    /// Python `None` (JSON `null`).
    case none
    /// Python `bool`.
    case bool(Bool)
    /// Python `int` (64-bit here).
    case int(Int)
    /// Python `float`.
    case float(Double)
    /// Python `str`.
    case string(String)
    /// Python `list` (also used for tuples).
    case list([JinjaValue])
    /// Python `dict` with string keys, in insertion order.
    case dict(JinjaDict)
    /// A `namespace(...)` object: the only mutable value templates can change (`set ns.x = ...`).
    case namespace(JinjaNamespace)
    /// A macro, a global function or a bound method.
    case callable(JinjaCallable)
    /// A one-shot Python generator, as returned by jinja2's `map`, `select`, `unique` ... filters:
    /// iterating consumes it, it has no length and is not JSON serializable.
    case iterator(JinjaIterator)

    /// An undefined value whose failure message is "'name' is undefined".
    public static func undefinedName(_ name: String) -> JinjaValue {
        .undefined(JinjaUndefined(hint: "'\(name)' is undefined"))
    }
}

/// A Python generator: iteration consumes the remaining items.
public final class JinjaIterator {
    var items: [JinjaValue]
    var position = 0
    /// Creates a generator over `items`.
    public init(_ items: [JinjaValue]) { self.items = items }
    /// Takes all remaining items.
    func drain() -> [JinjaValue] {
        defer { position = items.count }
        return Array(items[position...])
    }
    /// Takes the next item, if any.
    func next() -> JinjaValue? {
        guard position < items.count else { return nil }
        defer { position += 1 }
        return items[position]
    }
}

/// Why a value is undefined; the hint becomes the error message when the value is misused.
public struct JinjaUndefined {
    /// The message jinja2 gives when this undefined value is used in a way that fails.
    public var hint: String
    /// Creates an undefined marker with the given failure message.
    public init(hint: String) { self.hint = hint }
}

/// An insertion-ordered dictionary with string keys, like a Python dict built from JSON.
public struct JinjaDict: Equatable {
    /// The keys in insertion order.
    public private(set) var keys: [String] = []
    private var storage: [String: JinjaValue] = [:]

    /// Creates an empty dictionary.
    public init() {}
    /// Creates a dictionary from key/value pairs; a repeated key keeps its first position and last value.
    public init(_ pairs: [(String, JinjaValue)]) {
        for (k, v) in pairs { self[k] = v }
    }
    /// The number of entries.
    public var count: Int { keys.count }
    /// The entries in insertion order.
    public var pairs: [(String, JinjaValue)] { keys.map { ($0, storage[$0]!) } }
    /// The values in insertion order.
    public var values: [JinjaValue] { keys.map { storage[$0]! } }
    /// Reads or writes an entry; writing `nil` removes it.
    public subscript(key: String) -> JinjaValue? {
        get { storage[key] }
        set {
            if let v = newValue {
                if storage.updateValue(v, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }
    /// Python dict equality: same keys and equal values, order ignored.
    public static func == (a: JinjaDict, b: JinjaDict) -> Bool {
        guard a.count == b.count else { return false }
        for (k, v) in a.pairs {
            guard let w = b[k], v.pyEquals(w) else { return false }
        }
        return true
    }
}

/// The object returned by `namespace(...)`; attribute assignment mutates it in place.
public final class JinjaNamespace {
    /// The attributes, in the order they were first set.
    public var attributes: JinjaDict
    /// Creates a namespace holding the given attributes.
    public init(_ attributes: JinjaDict) { self.attributes = attributes }
}

/// A function value: a macro, a global such as `range`, or a bound method such as `"a".split`.
public final class JinjaCallable {
    /// The name used in messages and in Python's repr.
    public let name: String
    /// The implementation: positional arguments, keyword arguments (in call order).
    public let call: ([JinjaValue], [(String, JinjaValue)]) throws -> JinjaValue
    /// Creates a callable value.
    public init(name: String, call: @escaping ([JinjaValue], [(String, JinjaValue)]) throws -> JinjaValue) {
        self.name = name
        self.call = call
    }
}

// MARK: - Literal conveniences

extension JinjaValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .float(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JinjaValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, JinjaValue)...) { self = .dict(JinjaDict(elements)) }

}

// MARK: - Accessors

extension JinjaValue {
    /// The entry for `key` when this is a dict, else nil.
    public subscript(key: String) -> JinjaValue? {
        if case .dict(let d) = self { return d[key] }
        return nil
    }
    /// The text when this is a string, else nil.
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    /// The flag when this is a bool, else nil.
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    /// The items when this is a list, else nil.
    public var listValue: [JinjaValue]? { if case .list(let l) = self { return l } else { return nil } }
    /// The dictionary when this is a dict, else nil.
    public var dictValue: JinjaDict? { if case .dict(let d) = self { return d } else { return nil } }
}

// MARK: - Python semantics

extension JinjaValue {
    /// True when the value is Jinja's Undefined.
    public var isUndefined: Bool { if case .undefined = self { return true } else { return false } }

    /// Python truthiness (`bool(x)`); Undefined is falsy.
    public var truthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .float(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .list(let l): return !l.isEmpty
        case .dict(let d): return d.count > 0
        case .namespace, .callable, .iterator: return true
        }
    }

    /// Python `==` (1 == 1.0 == True; dicts compare regardless of order; Undefined equals only Undefined).
    public func pyEquals(_ other: JinjaValue) -> Bool {
        switch (self, other) {
        case (.undefined, .undefined), (.none, .none): return true
        case (.string(let a), .string(let b)): return a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.list(let a), .list(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.pyEquals($1) }
        case (.dict(let a), .dict(let b)): return a == b
        case (.namespace(let a), .namespace(let b)): return a === b
        case (.callable(let a), .callable(let b)): return a === b
        case (.iterator(let a), .iterator(let b)): return a === b
        default:
            if let a = numericValue, let b = other.numericValue {
                switch (a, b) {
                case (.int(let x), .int(let y)): return x == y
                default: return a.asDouble == b.asDouble
                }
            }
            return false
        }
    }

    /// The value as a number when it is a bool, int or float (bools count as ints, as in Python).
    var numericValue: JinjaValue? {
        switch self {
        case .bool(let b): return .int(b ? 1 : 0)
        case .int, .float: return self
        default: return nil
        }
    }

    var asDouble: Double {
        switch self {
        case .int(let i): return Double(i)
        case .float(let d): return d
        case .bool(let b): return b ? 1 : 0
        default: return .nan
        }
    }

    /// Python's type name, as used in error messages ("str", "dict object" ...).
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .string: return "str"
        case .list: return "list"
        case .dict: return "dict"
        case .namespace: return "Namespace"
        case .callable: return "function"
        case .iterator: return "generator"
        }
    }

    /// Python `str(x)` as Jinja prints it with `{{ x }}`; Undefined prints as "".
    public var pyStr: String {
        switch self {
        case .undefined: return ""
        case .string(let s): return s
        default: return pyRepr
        }
    }

    /// Python `repr(x)`: `'a'`, `[1, 'a']`, `{'k': None}`, `True`, `1.0`.
    public var pyRepr: String {
        switch self {
        case .undefined: return ""
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .float(let d): return formatPythonFloat(d)
        case .string(let s): return pythonStringRepr(s)
        case .list(let l): return "[" + l.map(\.pyRepr).joined(separator: ", ") + "]"
        case .dict(let d):
            return "{" + d.pairs.map { pythonStringRepr($0.0) + ": " + $0.1.pyRepr }.joined(separator: ", ") + "}"
        case .namespace(let ns): return "<Namespace " + JinjaValue.dict(ns.attributes).pyRepr + ">"
        case .callable(let c): return "<function \(c.name)>"
        case .iterator: return "<generator object>"
        }
    }
}

/// Formats a float like Python's `repr(float)`: shortest round-trip digits, "1.0", "1e-05", "1e+16", "inf".
func formatPythonFloat(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "inf" }
    // Swift's description already uses the shortest round-trip digits and Python's thresholds
    // (exponent form below 1e-4 and from 1e16); only the exponent spelling may differ.
    var s = d.description
    if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        var mantissa = String(s[..<e])
        var exp = String(s[s.index(after: e)...])
        if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
        var sign = "+"
        if exp.hasPrefix("-") { sign = "-"; exp.removeFirst() } else if exp.hasPrefix("+") { exp.removeFirst() }
        if exp.count < 2 { exp = "0" + exp }
        s = mantissa + "e" + sign + exp
    }
    return s
}

/// Python `repr(str)`: single quotes unless the text has a single quote and no double quote.
func pythonStringRepr(_ s: String) -> String {
    let quote: Character = (s.contains("'") && !s.contains("\"")) ? "\"" : "'"
    var out = String(quote)
    for u in s.unicodeScalars {
        switch u {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if Character(u) == quote {
                out += "\\" + String(quote)
            } else if u.value < 0x20 || u.value == 0x7f || (u.value >= 0x80 && u.value < 0xa0) {
                out += String(format: "\\x%02x", u.value)
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    out.append(quote)
    return out
}
