// JinjaAST.swift: the syntax tree of the chat-template Jinja subset.
//
// Statements (`JinjaNode`) and expressions (`JinjaExpr`) as the parser builds them. Nodes that
// can fail at render time carry their template line so errors can name it.

indirect enum JinjaExpr {
    case literal(JinjaValue)
    case name(String, line: Int)
    case list([JinjaExpr])
    case tuple([JinjaExpr])
    case dict([(JinjaExpr, JinjaExpr)])
    /// `obj.name`
    case attribute(JinjaExpr, String, line: Int)
    /// `obj[index]`
    case `subscript`(JinjaExpr, JinjaExpr, line: Int)
    /// `obj[start:stop:step]`
    case slice(JinjaExpr, JinjaExpr?, JinjaExpr?, JinjaExpr?, line: Int)
    case call(JinjaExpr, JinjaArgs, line: Int)
    /// `value | name(args)`; a nil value is a `{% filter %}` block placeholder, never evaluated.
    case filter(JinjaExpr, String, JinjaArgs, line: Int)
    /// `value is [not] name(args)`
    case test(JinjaExpr, String, JinjaArgs, negated: Bool, line: Int)
    case unary(String, JinjaExpr, line: Int)
    case binary(String, JinjaExpr, JinjaExpr, line: Int)
    case and(JinjaExpr, JinjaExpr)
    case or(JinjaExpr, JinjaExpr)
    case not(JinjaExpr)
    /// Chained comparison `a < b <= c` (ops: ==, !=, <, >, <=, >=, in, notin).
    case compare(JinjaExpr, [(String, JinjaExpr)], line: Int)
    /// `~` concatenation of several operands.
    case concat([JinjaExpr])
    /// `a if cond else b`; a missing else yields Undefined.
    case conditional(then: JinjaExpr, cond: JinjaExpr, otherwise: JinjaExpr?)
}

/// Call arguments: positional and keyword (`name=value`), in source order.
struct JinjaArgs {
    var positional: [JinjaExpr] = []
    var keyword: [(String, JinjaExpr)] = []
}

/// A `for` or `set` target: a name, an attribute of a namespace, or a tuple of names.
enum JinjaTarget {
    case name(String)
    case attribute(String, String)
    case tuple([String])
}

/// A macro parameter and its optional default.
struct JinjaParam {
    var name: String
    var defaultValue: JinjaExpr?
}

indirect enum JinjaNode {
    case text(String)
    case output(JinjaExpr, line: Int)
    case ifChain([(JinjaExpr, [JinjaNode])], otherwise: [JinjaNode], line: Int)
    case forLoop(target: JinjaTarget, iterable: JinjaExpr, condition: JinjaExpr?, body: [JinjaNode],
                 otherwise: [JinjaNode], line: Int)
    case set(JinjaTarget, JinjaExpr, line: Int)
    /// `{% set x | filters %}body{% endset %}`; the filter chain is applied to the captured body.
    case setBlock(JinjaTarget, filters: [(String, JinjaArgs)], body: [JinjaNode], line: Int)
    case macro(name: String, params: [JinjaParam], body: [JinjaNode], line: Int)
    /// `{% call(params) callee(args) %}body{% endcall %}`
    case callBlock(params: [JinjaParam], call: JinjaExpr, body: [JinjaNode], line: Int)
    /// `{% filter name(args) | ... %}body{% endfilter %}`
    case filterBlock(filters: [(String, JinjaArgs)], body: [JinjaNode], line: Int)
    /// `{% with a = 1 %}body{% endwith %}`
    case with(assignments: [(String, JinjaExpr)], body: [JinjaNode], line: Int)
    /// `{% generation %}body{% endgeneration %}` (transformers' assistant-mask tag): renders the body.
    case generation([JinjaNode])
    case breakLoop(line: Int)
    case continueLoop(line: Int)
}
