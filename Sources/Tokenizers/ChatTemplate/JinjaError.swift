// JinjaError.swift: the error type of the chat-template engine.
//
// Every failure (syntax, unsupported construct, `raise_exception`, undefined misuse, type errors)
// surfaces as one `ChatTemplateError` carrying a kind, a message and, when known, the template line.

/// An error raised while compiling or rendering a chat template.
public struct ChatTemplateError: Error, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Equatable, Sendable {
        /// The template text is not valid Jinja.
        case syntax
        /// Valid Jinja that this engine does not implement (a filter, test, tag or method).
        case unsupported
        /// The template called `raise_exception(message)`; `message` is the template's text.
        case raised
        /// An undefined value was used where jinja2 fails (attribute of undefined, `undefined + 1` ...).
        case undefined
        /// A Python-level error: wrong types, bad index, not JSON serializable ...
        case runtime
        /// The caller's input (JSON data, arguments) is malformed.
        case invalidInput
    }

    /// What went wrong.
    public let kind: Kind
    /// The message; for `.raised` exactly the text the template passed to `raise_exception`.
    public let message: String
    /// The 1-based template line, when known.
    public let line: Int?

    /// Creates an error.
    public init(kind: Kind, message: String, line: Int?) {
        self.kind = kind
        self.message = message
        self.line = line
    }

    /// "template line 12: unsupported filter 'xmlattr'", or the bare message when the line is unknown.
    public var description: String {
        if let line { return "template line \(line): \(message)" }
        return message
    }

    /// The same error with a line number attached, unless it already has one.
    func at(line newLine: Int) -> ChatTemplateError {
        line == nil ? ChatTemplateError(kind: kind, message: message, line: newLine) : self
    }
}

/// A runtime (type/value) error without a line yet; the evaluator attaches the line.
func JinjaRuntimeError(_ message: String) -> ChatTemplateError {
    ChatTemplateError(kind: .runtime, message: message, line: nil)
}

/// An "unsupported construct" error.
func JinjaUnsupported(_ message: String, line: Int? = nil) -> ChatTemplateError {
    ChatTemplateError(kind: .unsupported, message: message, line: line)
}

/// A syntax error at a line.
func JinjaSyntaxError(_ message: String, line: Int) -> ChatTemplateError {
    ChatTemplateError(kind: .syntax, message: message, line: line)
}
