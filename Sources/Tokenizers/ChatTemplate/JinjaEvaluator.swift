// JinjaEvaluator.swift: walks the Jinja AST and renders text.
//
// Scoping follows jinja2: `for` iterations, macro calls and `with` blocks get a fresh frame
// (a `set` inside them does not leak out, which is why templates use `namespace()`); `if` does not.
// Macros resolve free names in the template's top-level frame at call time, as jinja2 does.

final class JinjaScope {
    var vars: [String: JinjaValue] = [:]
    let parent: JinjaScope?
    init(parent: JinjaScope?) { self.parent = parent }

    func lookup(_ name: String) -> JinjaValue? {
        var s: JinjaScope? = self
        while let cur = s {
            if let v = cur.vars[name] { return v }
            s = cur.parent
        }
        return nil
    }
}

enum JinjaControl { case normal, breakLoop, continueLoop }

final class JinjaRenderer {
    let root: JinjaScope
    let globals: [String: JinjaValue]
    var out = ""
    private var depth = 0

    init(context: [String: JinjaValue], globals: [String: JinjaValue]) {
        self.globals = globals
        root = JinjaScope(parent: nil)
        root.vars = context
    }

    func render(_ nodes: [JinjaNode]) throws -> String {
        _ = try exec(nodes, root)
        return out
    }

    /// Runs `body` with a fresh output buffer and returns what it wrote.
    func capture(_ body: () throws -> Void) rethrows -> String {
        let saved = out
        out = ""
        defer { out = saved }
        try body()
        return out
    }

    // MARK: statements

    func exec(_ nodes: [JinjaNode], _ scope: JinjaScope) throws -> JinjaControl {
        for node in nodes {
            let c = try exec(node, scope)
            if c != .normal { return c }
        }
        return .normal
    }

    private func withLine<T>(_ line: Int, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as ChatTemplateError { throw e.at(line: line) }
    }

    private func exec(_ node: JinjaNode, _ scope: JinjaScope) throws -> JinjaControl {
        switch node {
        case .text(let t):
            out += t
        case .output(let e, let line):
            let v = try withLine(line) { try eval(e, scope) }
            if case .callable = v { throw JinjaUnsupported("printing a function value", line: line) }
            if case .iterator = v { throw JinjaUnsupported("printing a generator value", line: line) }
            out += v.pyStr
        case .ifChain(let branches, let otherwise, let line):
            for (cond, body) in branches where try withLine(line, { try eval(cond, scope).truthy }) {
                return try exec(body, scope)
            }
            return try exec(otherwise, scope)
        case .forLoop(let target, let iterable, let condition, let body, let otherwise, let line):
            return try execFor(target, iterable, condition, body, otherwise, line, scope)
        case .set(let target, let e, let line):
            try withLine(line) { try assign(target, try eval(e, scope), scope) }
        case .setBlock(let target, let filters, let body, let line):
            var value = JinjaValue.string(try capture { _ = try exec(body, scope) })
            try withLine(line) {
                for (name, args) in filters { value = try applyFilter(name, value, args, scope) }
                try assign(target, value, scope)
            }
        case .filterBlock(let filters, let body, let line):
            var value = JinjaValue.string(try capture { _ = try exec(body, scope) })
            try withLine(line) {
                for (name, args) in filters { value = try applyFilter(name, value, args, scope) }
            }
            out += value.pyStr
        case .macro(let name, let params, let body, _):
            scope.vars[name] = .callable(makeMacro(name: name, params: params, body: body, caller: nil))
        case .callBlock(let params, let call, let body, let line):
            guard case .call(let calleeExpr, let args, _) = call else { return .normal }
            let caller = makeMacro(name: "caller", params: params, body: body, caller: nil, closure: scope)
            let v = try withLine(line) { () -> JinjaValue in
                let callee = try eval(calleeExpr, scope)
                var (pos, kw) = try evalArgs(args, scope)
                kw.append(("caller", .callable(caller)))
                return try callValue(callee, pos, kw)
            }
            out += v.pyStr
        case .with(let assignments, let body, let line):
            let inner = JinjaScope(parent: scope)
            try withLine(line) {
                for (n, e) in assignments { inner.vars[n] = try eval(e, scope) }
            }
            return try exec(body, inner)
        case .generation(let body):
            return try exec(body, scope)
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        }
        return .normal
    }

    func assign(_ target: JinjaTarget, _ value: JinjaValue, _ scope: JinjaScope) throws {
        switch target {
        case .name(let n):
            scope.vars[n] = value
        case .attribute(let n, let attr):
            guard case .namespace(let ns) = scope.lookup(n) ?? globals[n] ?? JinjaValue.none else {
                throw JinjaRuntimeError("can only set attributes on namespace objects")
            }
            if attr.hasPrefix("_") {
                throw JinjaRuntimeError("Chat templates cannot store underscore-prefixed attributes on a namespace, but got '\(attr)'. Please rename the attribute.")
            }
            ns.attributes[attr] = value
        case .tuple(let names):
            let items = try unpack(value, count: names.count)
            for (n, v) in zip(names, items) { scope.vars[n] = v }
        }
    }

    func unpack(_ value: JinjaValue, count: Int) throws -> [JinjaValue] {
        let items = try iterate(value)
        if items.count != count {
            throw JinjaRuntimeError(items.count > count
                ? "too many values to unpack (expected \(count))"
                : "not enough values to unpack (expected \(count), got \(items.count))")
        }
        return items
    }

    private func execFor(_ target: JinjaTarget, _ iterableExpr: JinjaExpr, _ condition: JinjaExpr?, _ body: [JinjaNode],
                         _ otherwise: [JinjaNode], _ line: Int, _ scope: JinjaScope) throws -> JinjaControl {
        var items = try withLine(line) { try iterate(try eval(iterableExpr, scope)) }
        if let condition {
            items = try items.filter { item in
                let s = JinjaScope(parent: scope)
                try withLine(line) { try assign(target, item, s) }
                return try withLine(line) { try eval(condition, s).truthy }
            }
        }
        if items.isEmpty { return try exec(otherwise, scope) }
        let n = items.count
        for (i, item) in items.enumerated() {
            let s = JinjaScope(parent: scope)
            try withLine(line) { try assign(target, item, s) }
            var loop = JinjaDict()
            loop["index"] = .int(i + 1)
            loop["index0"] = .int(i)
            loop["revindex"] = .int(n - i)
            loop["revindex0"] = .int(n - i - 1)
            loop["first"] = .bool(i == 0)
            loop["last"] = .bool(i == n - 1)
            loop["length"] = .int(n)
            loop["depth"] = .int(1)
            loop["depth0"] = .int(0)
            if i > 0 { loop["previtem"] = items[i - 1] }
            if i < n - 1 { loop["nextitem"] = items[i + 1] }
            loop["cycle"] = .callable(JinjaCallable(name: "cycle") { args, _ in
                guard !args.isEmpty else { throw JinjaRuntimeError("no items for cycling given") }
                return args[i % args.count]
            })
            s.vars["loop"] = .dict(loop)
            if try exec(body, s) == .breakLoop { break }
        }
        return .normal
    }

    func makeMacro(name: String, params: [JinjaParam], body: [JinjaNode], caller: JinjaCallable?,
                   closure: JinjaScope? = nil) -> JinjaCallable {
        JinjaCallable(name: name) { [unowned self] positional, keyword in
            self.depth += 1
            defer { self.depth -= 1 }
            if self.depth > 100 { throw JinjaRuntimeError("maximum recursion depth exceeded") }
            let s = JinjaScope(parent: closure ?? self.root)
            var kw = keyword
            var extra: [JinjaValue] = []
            for (i, v) in positional.enumerated() {
                if i < params.count { s.vars[params[i].name] = v } else { extra.append(v) }
            }
            for p in params where s.vars[p.name] == nil {
                if let idx = kw.firstIndex(where: { $0.0 == p.name }) {
                    s.vars[p.name] = kw.remove(at: idx).1
                } else if let d = p.defaultValue {
                    s.vars[p.name] = try self.eval(d, s)
                } else {
                    s.vars[p.name] = .undefined(JinjaUndefined(hint: "parameter '\(p.name)' was not provided"))
                }
            }
            if let idx = kw.firstIndex(where: { $0.0 == "caller" }) { s.vars["caller"] = kw.remove(at: idx).1 }
            s.vars["varargs"] = .list(extra)
            s.vars["kwargs"] = .dict(JinjaDict(kw))
            return .string(try self.capture { _ = try self.exec(body, s) })
        }
    }

    // MARK: expressions

    func evalArgs(_ args: JinjaArgs, _ scope: JinjaScope) throws -> ([JinjaValue], [(String, JinjaValue)]) {
        let pos = try args.positional.map { try eval($0, scope) }
        let kw = try args.keyword.map { ($0.0, try eval($0.1, scope)) }
        return (pos, kw)
    }

    func eval(_ expr: JinjaExpr, _ scope: JinjaScope) throws -> JinjaValue {
        switch expr {
        case .literal(let v):
            return v
        case .name(let n, _):
            return scope.lookup(n) ?? globals[n] ?? .undefinedName(n)
        case .list(let items):
            return .list(try items.map { try eval($0, scope) })
        case .tuple(let items):
            return .list(try items.map { try eval($0, scope) })
        case .dict(let pairs):
            var d = JinjaDict()
            for (ke, ve) in pairs {
                guard case .string(let k) = try eval(ke, scope) else {
                    throw JinjaUnsupported("unsupported non-string dict key")
                }
                d[k] = try eval(ve, scope)
            }
            return .dict(d)
        case .attribute(let obj, let name, let line):
            return try withLine(line) { try getAttribute(try eval(obj, scope), name) }
        case .subscript(let obj, let index, let line):
            return try withLine(line) { try getItem(try eval(obj, scope), try eval(index, scope)) }
        case .slice(let obj, let a, let b, let c, let line):
            return try withLine(line) {
                try slice(try eval(obj, scope), try a.map { try eval($0, scope) }, try b.map { try eval($0, scope) },
                          try c.map { try eval($0, scope) })
            }
        case .call(let callee, let args, let line):
            return try withLine(line) {
                let f = try eval(callee, scope)
                let (pos, kw) = try evalArgs(args, scope)
                return try callValue(f, pos, kw)
            }
        case .filter(let value, let name, let args, let line):
            return try withLine(line) { try applyFilter(name, try eval(value, scope), args, scope) }
        case .test(let value, let name, let args, let negated, let line):
            return try withLine(line) {
                let r = try applyTest(name, try eval(value, scope), args, scope)
                return .bool(negated ? !r : r)
            }
        case .unary(let op, let e, let line):
            return try withLine(line) { try unaryOp(op, try eval(e, scope)) }
        case .binary(let op, let l, let r, let line):
            return try withLine(line) { try binaryOp(op, try eval(l, scope), try eval(r, scope)) }
        case .and(let l, let r):
            let a = try eval(l, scope)
            return a.truthy ? try eval(r, scope) : a
        case .or(let l, let r):
            let a = try eval(l, scope)
            return a.truthy ? a : try eval(r, scope)
        case .not(let e):
            return .bool(!(try eval(e, scope).truthy))
        case .compare(let first, let ops, let line):
            return try withLine(line) {
                var left = try eval(first, scope)
                for (op, re) in ops {
                    let right = try eval(re, scope)
                    if !(try compareOp(op, left, right)) { return .bool(false) }
                    left = right
                }
                return .bool(true)
            }
        case .concat(let items):
            return .string(try items.map { try eval($0, scope).pyStr }.joined())
        case .conditional(let then, let cond, let otherwise):
            if try eval(cond, scope).truthy { return try eval(then, scope) }
            if let otherwise { return try eval(otherwise, scope) }
            return .undefined(JinjaUndefined(hint: "the inline if-expression evaluated to false and no else section was defined."))
        }
    }

    func callValue(_ f: JinjaValue, _ pos: [JinjaValue], _ kw: [(String, JinjaValue)]) throws -> JinjaValue {
        switch f {
        case .callable(let c): return try c.call(pos, kw)
        case .undefined(let u): throw ChatTemplateError(kind: .undefined, message: u.hint, line: nil)
        default: throw JinjaRuntimeError("'\(f.typeName)' object is not callable")
        }
    }
}
