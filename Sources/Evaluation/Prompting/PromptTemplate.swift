// PromptTemplate.swift: prompt templates with named variables: `{name}` is replaced by a value,
// `{{` and `}}` stand for literal braces (Python's str.format convention, without format specs).
// Rendering fails on a variable that was not given, so a typo never reaches the model silently.

/// Errors raised while building prompts.
public enum PromptError: Error, CustomStringConvertible, Equatable, Sendable {
    case missingVariable(String)
    case malformedTemplate(String)
    case unknownMode(String)
    case emptyPool(needed: Int)

    public var description: String {
        switch self {
        case .missingVariable(let n): return "prompt template variable '{\(n)}' has no value"
        case .malformedTemplate(let m): return "malformed prompt template: \(m)"
        case .unknownMode(let m): return "unknown prompt mode '\(m)' (use zero, one, few:K, cot, sc:N, label or label:K)"
        case .emptyPool(let k): return "\(k)-shot prompting needs examples: give a training file with --train"
        }
    }
}

/// A text with `{name}` placeholders.
public struct PromptTemplate: Equatable, Sendable {
    enum Part: Equatable, Sendable { case text(String), variable(String) }

    /// The template as written.
    public let source: String
    let parts: [Part]

    /// The variable names in order of first appearance.
    public var variables: [String] {
        var seen: [String] = []
        for case .variable(let n) in parts where !seen.contains(n) { seen.append(n) }
        return seen
    }

    /// Parses `source`; throws on an unclosed `{`, a stray `}` or an invalid name.
    public init(_ source: String) throws {
        self.source = source
        var parts: [Part] = []
        var text = ""
        var i = source.startIndex
        while i < source.endIndex {
            let c = source[i]
            let next = source.index(after: i)
            if c == "{" {
                if next < source.endIndex, source[next] == "{" { text.append("{"); i = source.index(after: next); continue }
                guard let close = source[next...].firstIndex(of: "}") else {
                    throw PromptError.malformedTemplate("'{' without a closing '}'")
                }
                let name = String(source[next..<close])
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    throw PromptError.malformedTemplate("'{\(name)}' is not a variable name (letters, digits, _)")
                }
                if !text.isEmpty { parts.append(.text(text)); text = "" }
                parts.append(.variable(name))
                i = source.index(after: close)
            } else if c == "}" {
                guard next < source.endIndex, source[next] == "}" else { throw PromptError.malformedTemplate("single '}' (write '}}')") }
                text.append("}")
                i = source.index(after: next)
            } else {
                text.append(c)
                i = next
            }
        }
        if !text.isEmpty { parts.append(.text(text)) }
        self.parts = parts
    }

    /// The text with every variable replaced; values are inserted verbatim (never re-parsed).
    public func render(_ values: [String: String]) throws -> String {
        var out = ""
        for p in parts {
            switch p {
            case .text(let t): out += t
            case .variable(let n):
                guard let v = values[n] else { throw PromptError.missingVariable(n) }
                out += v
            }
        }
        return out
    }
}
