// ChatTemplate.swift: public entry point of the chat-template engine.
//
// `ChatTemplate` compiles a model's `tokenizer.chat_template` (a Jinja template) once and renders
// conversations the way transformers' `apply_chat_template` does: jinja2's sandboxed environment
// with trim_blocks, lstrip_blocks and loop controls, the `raise_exception` and `strftime_now`
// globals, transformers' `tojson`, and the variables `messages`, `tools`, `documents`,
// `add_generation_prompt`, the special tokens and any extra keyword arguments.
//
// Limits: a subset of Jinja (no include/import/extends/blocks, no recursive loops); tuples are
// lists; dict keys are strings; ints are 64-bit. Unsupported constructs throw `.unsupported` errors
// naming the construct and line.
import Foundation

/// One chat message: a role, optional text content, and any other fields a template may read
/// (`tool_calls`, `tool_call_id`, `name`, `reasoning_content` ...).
public struct ChatMessage {
    /// "system", "user", "assistant", "tool" ...
    public var role: String
    /// The text content; nil renders as Python `None` (as for assistant turns that only call tools).
    public var content: String?
    /// Further fields, in the order they appear in the message dict after `role` and `content`.
    public var fields: JinjaDict

    /// Creates a message.
    public init(role: String, content: String?, fields: JinjaDict = JinjaDict()) {
        self.role = role
        self.content = content
        self.fields = fields
    }

    /// The message as the dict a template sees: role, content, then the other fields.
    public var jinjaValue: JinjaValue {
        var d = JinjaDict()
        d["role"] = .string(role)
        d["content"] = content.map { .string($0) } ?? JinjaValue.none
        for (k, v) in fields.pairs { d[k] = v }
        return .dict(d)
    }
}

/// A compiled chat template.
public final class ChatTemplate {
    /// The template source as given.
    public let source: String
    private let nodes: [JinjaNode]

    /// Compiles a template. Throws `.syntax` errors for malformed Jinja and `.unsupported` errors
    /// for tags, filters or tests outside the supported subset (jinja2 also rejects unknown filters
    /// and tests when compiling).
    public init(source: String) throws {
        self.source = source
        nodes = try JinjaParser.parse(source)
        try ChatTemplate.validate(nodes)
    }

    /// Renders a conversation like `tokenizer.apply_chat_template(messages, tokenize=False, ...)`.
    ///
    /// - Parameters:
    ///   - messages: a JSON-like list of message dicts (build it with `JinjaValue(json:)` to keep key order).
    ///   - addGenerationPrompt: the `add_generation_prompt` variable.
    ///   - bosToken: the `bos_token` variable; nil leaves it undefined.
    ///   - eosToken: the `eos_token` variable; nil leaves it undefined.
    ///   - tools: the `tools` variable (a list of JSON schemas); nil renders as Python `None`, as transformers passes it.
    ///   - documents: the `documents` variable; nil renders as `None`.
    ///   - extra: further template variables (transformers' `**kwargs`), e.g. `date_string`, `enable_thinking`.
    ///   - now: the clock `strftime_now` reads; pass a fixed date for reproducible output.
    ///   - timeZone: the time zone `strftime_now` formats in.
    public func render(messages: JinjaValue, addGenerationPrompt: Bool = false, bosToken: String? = nil,
                       eosToken: String? = nil, tools: JinjaValue? = nil, documents: JinjaValue? = nil,
                       extra: [String: JinjaValue] = [:], now: Date = Date(), timeZone: TimeZone = .current) throws -> String
    {
        var context: [String: JinjaValue] = extra
        if let bosToken { context["bos_token"] = .string(bosToken) }
        if let eosToken { context["eos_token"] = .string(eosToken) }
        context["messages"] = ChatTemplate.aliasReasoningFields(messages)
        context["tools"] = tools ?? JinjaValue.none
        context["documents"] = documents ?? JinjaValue.none
        context["add_generation_prompt"] = .bool(addGenerationPrompt)
        return try render(context: context, now: now, timeZone: timeZone)
    }

    /// Renders a conversation given as `ChatMessage` values; see `render(messages:addGenerationPrompt:...)`.
    public func render(messages: [ChatMessage], addGenerationPrompt: Bool = false, bosToken: String? = nil,
                       eosToken: String? = nil, tools: JinjaValue? = nil, documents: JinjaValue? = nil,
                       extra: [String: JinjaValue] = [:], now: Date = Date(), timeZone: TimeZone = .current) throws -> String
    {
        try render(messages: .list(messages.map(\.jinjaValue)), addGenerationPrompt: addGenerationPrompt,
                   bosToken: bosToken, eosToken: eosToken, tools: tools, documents: documents, extra: extra,
                   now: now, timeZone: timeZone)
    }

    /// Renders with exactly the given variables (no transformers defaults added).
    public func render(context: [String: JinjaValue], now: Date = Date(), timeZone: TimeZone = .current) throws -> String {
        let renderer = JinjaRenderer(context: context, globals: JinjaRenderer.makeGlobals(now: now, timeZone: timeZone))
        return try renderer.render(nodes)
    }

    /// transformers' `_alias_reasoning_fields`: a message with `reasoning_content`, `thinking` or
    /// `reasoning` gets `thinking` (first) and `reasoning_content` (last) set to that text.
    static func aliasReasoningFields(_ messages: JinjaValue) -> JinjaValue {
        guard case .list(let list) = messages else { return messages }
        return .list(list.map { m in
            guard case .dict(let d) = m else { return m }
            guard let reasoning = ["reasoning_content", "thinking", "reasoning"].lazy.compactMap({ key -> JinjaValue? in
                guard let v = d[key] else { return nil }
                if case .none = v { return nil }
                return v
            }).first else { return m }
            var out = JinjaDict()
            out["thinking"] = reasoning
            for (k, v) in d.pairs { out[k] = v }
            out["reasoning_content"] = reasoning
            return .dict(out)
        })
    }

    // MARK: compile-time checks

    private static func validate(_ nodes: [JinjaNode]) throws {
        for node in nodes { try validate(node) }
    }

    private static func validateFilters(_ filters: [(String, JinjaArgs)], line: Int) throws {
        for (name, args) in filters {
            guard JinjaRenderer.filterNames.contains(name) else { throw JinjaUnsupported("unsupported filter '\(name)'", line: line) }
            try validate(args)
        }
    }

    private static func validate(_ args: JinjaArgs) throws {
        for e in args.positional { try validate(e) }
        for (_, e) in args.keyword { try validate(e) }
    }

    private static func validate(_ node: JinjaNode) throws {
        switch node {
        case .text, .breakLoop, .continueLoop: break
        case .output(let e, _): try validate(e)
        case .ifChain(let branches, let otherwise, _):
            for (c, b) in branches { try validate(c); try validate(b) }
            try validate(otherwise)
        case .forLoop(_, let it, let cond, let body, let otherwise, _):
            try validate(it)
            if let cond { try validate(cond) }
            try validate(body)
            try validate(otherwise)
        case .set(_, let e, _): try validate(e)
        case .setBlock(_, let filters, let body, let line), .filterBlock(let filters, let body, let line):
            try validateFilters(filters, line: line)
            try validate(body)
        case .macro(_, let params, let body, _), .callBlock(let params, _, let body, _):
            for p in params { if let d = p.defaultValue { try validate(d) } }
            try validate(body)
            if case .callBlock(_, let call, _, _) = node { try validate(call) }
        case .with(let assignments, let body, _):
            for (_, e) in assignments { try validate(e) }
            try validate(body)
        case .generation(let body): try validate(body)
        }
    }

    private static func validate(_ expr: JinjaExpr) throws {
        switch expr {
        case .literal, .name: break
        case .list(let items), .tuple(let items), .concat(let items):
            for e in items { try validate(e) }
        case .dict(let pairs):
            for (k, v) in pairs { try validate(k); try validate(v) }
        case .attribute(let e, _, _), .unary(_, let e, _), .not(let e): try validate(e)
        case .subscript(let a, let b, _), .binary(_, let a, let b, _), .and(let a, let b), .or(let a, let b):
            try validate(a)
            try validate(b)
        case .slice(let o, let a, let b, let c, _):
            try validate(o)
            for e in [a, b, c] { if let e { try validate(e) } }
        case .call(let f, let args, _):
            try validate(f)
            try validate(args)
        case .filter(let v, let name, let args, let line):
            try validate(v)
            try validateFilters([(name, args)], line: line)
        case .test(let v, let name, let args, _, let line):
            try validate(v)
            guard JinjaRenderer.testNames.contains(name) else { throw JinjaUnsupported("unsupported test '\(name)'", line: line) }
            try validate(args)
        case .compare(let first, let ops, _):
            try validate(first)
            for (_, e) in ops { try validate(e) }
        case .conditional(let t, let c, let o):
            try validate(t)
            try validate(c)
            if let o { try validate(o) }
        }
    }
}
