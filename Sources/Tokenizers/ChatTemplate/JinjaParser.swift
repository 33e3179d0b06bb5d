// JinjaParser.swift: recursive-descent parser from tokens to the Jinja AST.
//
// Mirrors jinja2's parser (precedence: conditional < or < and < not < comparisons < + - < ~ <
// * / // % < ** < unary minus, with filters/tests/calls binding tightest). Tags outside the
// chat-template subset (include, import, extends, block, ...) are rejected as unsupported.

struct JinjaParser {
    private var tokens: [JinjaToken]
    private var pos = 0

    init(tokens: [JinjaToken]) {
        self.tokens = tokens
    }

    static func parse(_ source: String) throws -> [JinjaNode] {
        let lexer = try JinjaLexer(source: source)
        var parser = JinjaParser(tokens: lexer.tokens)
        let (nodes, end) = try parser.parseBody(until: [])
        if let end { throw JinjaSyntaxError("unexpected tag '\(end)'", line: parser.lastLine) }
        return nodes
    }

    // MARK: token helpers

    private var current: JinjaToken? { pos < tokens.count ? tokens[pos] : nil }
    private var lastLine: Int { current?.line ?? tokens.last?.line ?? 1 }
    private func peek(_ k: Int = 1) -> JinjaToken? { pos + k < tokens.count ? tokens[pos + k] : nil }

    private func isOp(_ op: String) -> Bool { current?.kind == .op && current?.value == op }
    private func isName(_ n: String) -> Bool { current?.kind == .name && current?.value == n }

    private mutating func skipOp(_ op: String) -> Bool {
        if isOp(op) { pos += 1; return true }
        return false
    }
    private mutating func skipName(_ n: String) -> Bool {
        if isName(n) { pos += 1; return true }
        return false
    }
    private mutating func expectOp(_ op: String) throws {
        guard skipOp(op) else { throw syntax("expected '\(op)'") }
    }
    private mutating func expect(_ kind: JinjaToken.Kind, _ what: String) throws -> JinjaToken {
        guard let t = current, t.kind == kind else { throw syntax("expected \(what)") }
        pos += 1
        return t
    }
    private mutating func expectName() throws -> String { try expect(.name, "a name").value }
    private mutating func expectBlockEnd() throws { _ = try expect(.blockEnd, "end of statement block") }

    private func syntax(_ msg: String) -> ChatTemplateError {
        guard let t = current else { return JinjaSyntaxError("\(msg), got end of template", line: lastLine) }
        let got: String
        switch t.kind {
        case .blockEnd: got = "end of statement block"
        case .varEnd: got = "end of print statement"
        case .text: got = "template data"
        default: got = "'\(t.value)'"
        }
        return JinjaSyntaxError("\(msg), got \(got)", line: t.line)
    }

    // MARK: statements

    /// Parses nodes until a block tag whose name is in `until`; returns that name, left unconsumed
    /// after its `{%` (nil at end of input).
    private mutating func parseBody(until: Set<String>) throws -> ([JinjaNode], String?) {
        var nodes: [JinjaNode] = []
        while let t = current {
            switch t.kind {
            case .text:
                nodes.append(.text(t.value))
                pos += 1
            case .varBegin:
                pos += 1
                let e = try parseTuple()
                _ = try expect(.varEnd, "end of print statement")
                nodes.append(.output(e, line: t.line))
            case .blockBegin:
                guard let nameTok = peek(), nameTok.kind == .name else {
                    pos += 1
                    throw syntax("expected a statement name")
                }
                if until.contains(nameTok.value) {
                    pos += 1
                    return (nodes, nameTok.value)
                }
                pos += 2
                nodes.append(try parseStatement(nameTok.value, line: nameTok.line))
            default:
                throw syntax("unexpected token")
            }
        }
        if !until.isEmpty {
            throw JinjaSyntaxError("unexpected end of template, expected one of \(until.sorted().map { "'\($0)'" }.joined(separator: ", "))", line: lastLine)
        }
        return (nodes, nil)
    }

    /// Parses a body that must end with `{% end %}` (consumed with its `%}`).
    private mutating func parseBlockBody(end: String) throws -> [JinjaNode] {
        let (body, _) = try parseBody(until: [end])
        pos += 1
        try expectBlockEnd()
        return body
    }

    private mutating func parseStatement(_ name: String, line: Int) throws -> JinjaNode {
        switch name {
        case "if":
            var branches: [(JinjaExpr, [JinjaNode])] = []
            var cond = try parseExpression()
            try expectBlockEnd()
            while true {
                let (body, end) = try parseBody(until: ["elif", "else", "endif"])
                pos += 1
                branches.append((cond, body))
                if end == "elif" {
                    cond = try parseExpression()
                    try expectBlockEnd()
                    continue
                }
                try expectBlockEnd()
                var otherwise: [JinjaNode] = []
                if end == "else" { otherwise = try parseBlockBody(end: "endif") }
                return .ifChain(branches, otherwise: otherwise, line: line)
            }
        case "for":
            let target = try parseTarget(allowNamespace: false)
            guard skipName("in") else { throw syntax("expected 'in'") }
            let iterable = try parseTuple(withCondExpr: false, extraEnd: ["recursive", "if"])
            var condition: JinjaExpr? = nil
            if skipName("if") { condition = try parseExpression() }
            if isName("recursive") { throw JinjaUnsupported("unsupported recursive for loop", line: line) }
            try expectBlockEnd()
            let (body, end) = try parseBody(until: ["endfor", "else"])
            pos += 1
            try expectBlockEnd()
            var otherwise: [JinjaNode] = []
            if end == "else" { otherwise = try parseBlockBody(end: "endfor") }
            return .forLoop(target: target, iterable: iterable, condition: condition, body: body, otherwise: otherwise, line: line)
        case "set":
            let target = try parseTarget(allowNamespace: true)
            if skipOp("=") {
                let value = try parseTuple()
                try expectBlockEnd()
                return .set(target, value, line: line)
            }
            var filters: [(String, JinjaArgs)] = []
            while skipOp("|") { filters.append(try parseFilterCall()) }
            try expectBlockEnd()
            let body = try parseBlockBody(end: "endset")
            return .setBlock(target, filters: filters, body: body, line: line)
        case "macro":
            let macroName = try expectName()
            let params = try parseSignature()
            try expectBlockEnd()
            let body = try parseBlockBody(end: "endmacro")
            return .macro(name: macroName, params: params, body: body, line: line)
        case "call":
            var params: [JinjaParam] = []
            if isOp("(") { params = try parseSignature() }
            let callee = try parseExpression()
            guard case .call = callee else { throw JinjaSyntaxError("expected call", line: line) }
            try expectBlockEnd()
            let body = try parseBlockBody(end: "endcall")
            return .callBlock(params: params, call: callee, body: body, line: line)
        case "filter":
            var filters: [(String, JinjaArgs)] = [try parseFilterCall()]
            while skipOp("|") { filters.append(try parseFilterCall()) }
            try expectBlockEnd()
            let body = try parseBlockBody(end: "endfilter")
            return .filterBlock(filters: filters, body: body, line: line)
        case "with":
            var assignments: [(String, JinjaExpr)] = []
            while current?.kind != .blockEnd {
                if !assignments.isEmpty { try expectOp(",") }
                let n = try expectName()
                try expectOp("=")
                assignments.append((n, try parseExpression()))
            }
            try expectBlockEnd()
            let body = try parseBlockBody(end: "endwith")
            return .with(assignments: assignments, body: body, line: line)
        case "generation":
            try expectBlockEnd()
            return .generation(try parseBlockBody(end: "endgeneration"))
        case "break", "continue":
            try expectBlockEnd()
            return name == "break" ? .breakLoop(line: line) : .continueLoop(line: line)
        case "elif", "else", "endif", "endfor", "endset", "endmacro", "endcall", "endfilter", "endwith", "endgeneration":
            throw JinjaSyntaxError("unexpected '\(name)'", line: line)
        default:
            throw JinjaUnsupported("unsupported tag '\(name)'", line: line)
        }
    }

    private mutating func parseTarget(allowNamespace: Bool) throws -> JinjaTarget {
        let paren = skipOp("(")
        let first = try expectName()
        if allowNamespace && !paren && skipOp(".") {
            return .attribute(first, try expectName())
        }
        var names = [first]
        var isTuple = false
        while skipOp(",") {
            isTuple = true
            if current?.kind != .name { break }
            names.append(try expectName())
        }
        if paren { try expectOp(")") }
        return (isTuple || paren) ? .tuple(names) : .name(first)
    }

    private mutating func parseSignature() throws -> [JinjaParam] {
        try expectOp("(")
        var params: [JinjaParam] = []
        while !isOp(")") {
            if !params.isEmpty { try expectOp(",") }
            if isOp(")") { break }
            let n = try expectName()
            var def: JinjaExpr? = nil
            if skipOp("=") { def = try parseExpression() }
            params.append(JinjaParam(name: n, defaultValue: def))
        }
        try expectOp(")")
        return params
    }

    // MARK: expressions

    private mutating func parseTuple(withCondExpr: Bool = true, extraEnd: Set<String> = []) throws -> JinjaExpr {
        var items: [JinjaExpr] = []
        var isTuple = false
        while true {
            if !items.isEmpty { try expectOp(",") }
            if let t = current, t.kind == .varEnd || t.kind == .blockEnd || (t.kind == .op && t.value == ")")
                || (t.kind == .name && extraEnd.contains(t.value))
            { break }
            items.append(withCondExpr ? try parseExpression() : try parseOr())
            if isOp(",") { isTuple = true } else { break }
        }
        if !isTuple {
            guard let only = items.first else { throw syntax("expected an expression") }
            return only
        }
        return .tuple(items)
    }

    mutating func parseExpression() throws -> JinjaExpr {
        var expr = try parseOr()
        while skipName("if") {
            let cond = try parseOr()
            var otherwise: JinjaExpr? = nil
            if skipName("else") { otherwise = try parseExpression() }
            expr = .conditional(then: expr, cond: cond, otherwise: otherwise)
        }
        return expr
    }

    private mutating func parseOr() throws -> JinjaExpr {
        var left = try parseAnd()
        while skipName("or") { left = .or(left, try parseAnd()) }
        return left
    }

    private mutating func parseAnd() throws -> JinjaExpr {
        var left = try parseNot()
        while skipName("and") { left = .and(left, try parseNot()) }
        return left
    }

    private mutating func parseNot() throws -> JinjaExpr {
        if skipName("not") { return .not(try parseNot()) }
        return try parseCompare()
    }

    private mutating func parseCompare() throws -> JinjaExpr {
        let line = current?.line ?? lastLine
        let first = try parseMath1()
        var ops: [(String, JinjaExpr)] = []
        while true {
            if let t = current, t.kind == .op, ["==", "!=", "<", ">", "<=", ">="].contains(t.value) {
                pos += 1
                ops.append((t.value, try parseMath1()))
            } else if skipName("in") {
                ops.append(("in", try parseMath1()))
            } else if isName("not"), let n = peek(), n.kind == .name, n.value == "in" {
                pos += 2
                ops.append(("notin", try parseMath1()))
            } else { break }
        }
        return ops.isEmpty ? first : .compare(first, ops, line: line)
    }

    private mutating func parseMath1() throws -> JinjaExpr {
        var left = try parseConcat()
        while let t = current, t.kind == .op, t.value == "+" || t.value == "-" {
            pos += 1
            left = .binary(t.value, left, try parseConcat(), line: t.line)
        }
        return left
    }

    private mutating func parseConcat() throws -> JinjaExpr {
        var items = [try parseMath2()]
        while skipOp("~") { items.append(try parseMath2()) }
        return items.count == 1 ? items[0] : .concat(items)
    }

    private mutating func parseMath2() throws -> JinjaExpr {
        var left = try parsePow()
        while let t = current, t.kind == .op, ["*", "/", "//", "%"].contains(t.value) {
            pos += 1
            left = .binary(t.value, left, try parsePow(), line: t.line)
        }
        return left
    }

    private mutating func parsePow() throws -> JinjaExpr {
        var left = try parseUnary()
        while let t = current, t.kind == .op, t.value == "**" {
            pos += 1
            left = .binary("**", left, try parseUnary(), line: t.line)
        }
        return left
    }

    private mutating func parseUnary(withFilter: Bool = true) throws -> JinjaExpr {
        var node: JinjaExpr
        if let t = current, t.kind == .op, t.value == "-" || t.value == "+" {
            pos += 1
            node = .unary(t.value, try parseUnary(withFilter: false), line: t.line)
        } else {
            node = try parsePrimary()
        }
        node = try parsePostfix(node)
        if withFilter { node = try parseFilterExpr(node) }
        return node
    }

    private mutating func parsePrimary() throws -> JinjaExpr {
        guard let t = current else { throw syntax("expected an expression") }
        switch t.kind {
        case .name:
            pos += 1
            switch t.value {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.none)
            default: return .name(t.value, line: t.line)
            }
        case .string:
            var s = t.value
            pos += 1
            while let n = current, n.kind == .string { s += n.value; pos += 1 }
            return .literal(.string(s))
        case .integer:
            pos += 1
            guard let i = Int(t.value) else { throw JinjaUnsupported("integer literal too large", line: t.line) }
            return .literal(.int(i))
        case .float:
            pos += 1
            return .literal(.float(Double(t.value) ?? .nan))
        case .op where t.value == "(":
            pos += 1
            var items: [JinjaExpr] = []
            var isTuple = false
            while !isOp(")") {
                if !items.isEmpty { try expectOp(",") }
                if isOp(")") { break }
                items.append(try parseExpression())
                if isOp(",") { isTuple = true }
            }
            try expectOp(")")
            if !isTuple && items.count == 1 { return items[0] }
            return .tuple(items)
        case .op where t.value == "[":
            pos += 1
            var items: [JinjaExpr] = []
            while !isOp("]") {
                if !items.isEmpty { try expectOp(",") }
                if isOp("]") { break }
                items.append(try parseExpression())
            }
            try expectOp("]")
            return .list(items)
        case .op where t.value == "{":
            pos += 1
            var items: [(JinjaExpr, JinjaExpr)] = []
            while !isOp("}") {
                if !items.isEmpty { try expectOp(",") }
                if isOp("}") { break }
                let k = try parseExpression()
                try expectOp(":")
                items.append((k, try parseExpression()))
            }
            try expectOp("}")
            return .dict(items)
        default:
            throw syntax("unexpected token")
        }
    }

    private mutating func parsePostfix(_ start: JinjaExpr) throws -> JinjaExpr {
        var node = start
        while let t = current, t.kind == .op {
            if t.value == "." {
                pos += 1
                guard let n = current else { throw syntax("expected name or number") }
                if n.kind == .name {
                    pos += 1
                    node = .attribute(node, n.value, line: t.line)
                } else if n.kind == .integer, let i = Int(n.value) {
                    pos += 1
                    node = .subscript(node, .literal(.int(i)), line: t.line)
                } else { throw syntax("expected name or number") }
            } else if t.value == "[" {
                pos += 1
                node = try parseSubscript(node, line: t.line)
            } else if t.value == "(" {
                node = .call(node, try parseCallArgs(), line: t.line)
            } else { break }
        }
        return node
    }

    private mutating func parseSubscript(_ obj: JinjaExpr, line: Int) throws -> JinjaExpr {
        func part(_ p: inout JinjaParser) throws -> JinjaExpr? {
            if p.isOp(":") || p.isOp("]") { return nil }
            return try p.parseExpression()
        }
        let start = try part(&self)
        if skipOp("]") {
            guard let start else { throw syntax("expected an expression") }
            return .subscript(obj, start, line: line)
        }
        if isOp(",") { throw JinjaUnsupported("unsupported tuple subscript", line: line) }
        try expectOp(":")
        let stop = try part(&self)
        var step: JinjaExpr? = nil
        if skipOp(":") { step = try part(&self) }
        try expectOp("]")
        return .slice(obj, start, stop, step, line: line)
    }

    private mutating func parseCallArgs() throws -> JinjaArgs {
        try expectOp("(")
        var args = JinjaArgs()
        var first = true
        while !isOp(")") {
            if !first { try expectOp(",") }
            first = false
            if isOp(")") { break }
            if isOp("*") || isOp("**") { throw JinjaUnsupported("unsupported *args/**kwargs in call", line: current!.line) }
            if let t = current, t.kind == .name, let n = peek(), n.kind == .op, n.value == "=" {
                pos += 2
                args.keyword.append((t.value, try parseExpression()))
            } else {
                if !args.keyword.isEmpty { throw syntax("positional argument after keyword argument") }
                args.positional.append(try parseExpression())
            }
        }
        try expectOp(")")
        return args
    }

    private mutating func parseDottedName() throws -> String {
        var name = try expectName()
        while isOp("."), let n = peek(), n.kind == .name {
            pos += 2
            name += "." + n.value
        }
        return name
    }

    private mutating func parseFilterCall() throws -> (String, JinjaArgs) {
        let name = try parseDottedName()
        let args = isOp("(") ? try parseCallArgs() : JinjaArgs()
        return (name, args)
    }

    private mutating func parseFilterExpr(_ start: JinjaExpr) throws -> JinjaExpr {
        var node = start
        while let t = current {
            if t.kind == .op && t.value == "|" {
                pos += 1
                let (name, args) = try parseFilterCall()
                node = .filter(node, name, args, line: t.line)
            } else if t.kind == .name && t.value == "is" {
                pos += 1
                let negated = skipName("not")
                let name = try parseDottedName()
                var args = JinjaArgs()
                if isOp("(") {
                    args = try parseCallArgs()
                } else if let a = current,
                    [.name, .string, .integer, .float].contains(a.kind) || (a.kind == .op && ["(", "[", "{"].contains(a.value)),
                    !(a.kind == .name && ["else", "or", "and"].contains(a.value))
                {
                    if a.kind == .name && a.value == "is" { throw syntax("You cannot chain multiple tests with is") }
                    args.positional = [try parsePostfix(try parsePrimary())]
                }
                node = .test(node, name, args, negated: negated, line: t.line)
            } else if t.kind == .op && t.value == "(" {
                node = .call(node, try parseCallArgs(), line: t.line)
            } else { break }
        }
        return node
    }
}
