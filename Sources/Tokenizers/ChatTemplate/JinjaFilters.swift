// JinjaFilters.swift: the builtin filters of jinja2 3.1 that chat templates use, plus
// transformers' `tojson` (json.dumps with ensure_ascii=False, indent, separators, sort_keys).
//
// Each filter takes the piped value and jinja2's argument names/order. Filters not listed in
// `JinjaRenderer.filterNames` are rejected when the template is compiled ("unsupported filter").
import Foundation

extension JinjaRenderer {
    static let filterNames: Set<String> = [
        "abs", "attr", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape", "first", "float",
        "forceescape", "format", "int", "items", "indent", "join", "last", "length", "list", "lower", "map", "max",
        "min", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "sort", "string",
        "sum", "title", "tojson", "trim", "unique", "upper", "wordcount",
    ]

    func applyFilter(_ name: String, _ value: JinjaValue, _ args: JinjaArgs, _ scope: JinjaScope) throws -> JinjaValue {
        let (pos, kw) = try evalArgs(args, scope)
        return try callFilter(name, value, pos, kw)
    }

    /// Python `len()`.
    func length(_ v: JinjaValue) throws -> Int {
        switch v {
        case .string(let s): return s.unicodeScalars.count
        case .list(let l): return l.count
        case .dict(let d): return d.count
        case .undefined: return 0
        default: throw JinjaRuntimeError("object of type '\(v.typeName)' has no len()")
        }
    }

    /// jinja2's attribute getter for `map(attribute=)`, `selectattr`, `sort(attribute=)` ...: dotted path, item first.
    func attrGetter(_ path: JinjaValue?) -> ((JinjaValue) throws -> JinjaValue)? {
        guard let path else { return nil }
        if case .none = path { return nil }
        let parts: [JinjaValue]
        if case .string(let s) = path {
            parts = s.split(separator: ".").map { p in Int(p).map { .int($0) } ?? .string(String(p)) }
        } else { parts = [path] }
        return { v in try parts.reduce(v) { try self.getItem($0, $1) } }
    }

    /// Sort key with jinja2's default case-insensitivity for strings.
    private func ignoreCase(_ v: JinjaValue, _ caseSensitive: Bool) -> JinjaValue {
        if !caseSensitive, case .string(let s) = v { return .string(s.lowercased()) }
        return v
    }

    private func stableSorted(_ items: [JinjaValue], key: (JinjaValue) throws -> JinjaValue, reverse: Bool) throws -> [JinjaValue] {
        let keys = try items.map(key)
        var error: Error? = nil
        let order = Array(items.indices).sorted { i, j in
            do {
                if try pyLess(keys[i], keys[j]) { return !reverse }
                if try pyLess(keys[j], keys[i]) { return reverse }
            } catch let e { error = e }
            return i < j
        }
        if let error { throw error }
        return order.map { items[$0] }
    }

    func callFilter(_ name: String, _ value: JinjaValue, _ pos: [JinjaValue], _ kw: [(String, JinjaValue)]) throws -> JinjaValue {
        let a = JinjaCallArgs(pos, kw, function: name)
        switch name {
        case "abs":
            switch value.numericValue {
            case .int(let i)?: return .int(abs(i))
            case .float(let d)?: return .float(abs(d))
            default: throw JinjaRuntimeError("bad operand type for abs(): '\(value.typeName)'")
            }
        case "attr":
            guard case .string(let n)? = a[0, "name"] else { return .undefined(JinjaUndefined(hint: "attr")) }
            return try getAttribute(value, n)
        case "capitalize": return .string(pyCapitalize(value.pyStr))
        case "center":
            let w = try a.int(0, "width") ?? 80
            return try callValue(boundMethod(.string(value.pyStr), "center")!, [.int(w)], [])
        case "count", "length": return .int(try length(value))
        case "d", "default":
            let def = a[0, "default_value"] ?? .string("")
            if value.isUndefined || (a.bool(1, "boolean", default: false) && !value.truthy) { return def }
            return value
        case "dictsort":
            guard case .dict(let d) = value else { throw JinjaRuntimeError("dictsort filter: expected a dict") }
            let caseSensitive = a.bool(0, "case_sensitive", default: false)
            let by = try a.string(1, "by") ?? "key"
            let idx = by == "key" ? 0 : 1
            let pairs: [JinjaValue] = d.pairs.map { .list([.string($0.0), $0.1]) }
            return .list(try stableSorted(pairs, key: { p in
                guard case .list(let kv) = p else { return p }
                return self.ignoreCase(kv[idx], caseSensitive)
            }, reverse: a.bool(2, "reverse", default: false)))
        case "e", "escape", "forceescape":
            var out = ""
            for c in value.pyStr.unicodeScalars {
                switch c {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&#34;"
                case "'": out += "&#39;"
                default: out.unicodeScalars.append(c)
                }
            }
            return .string(out)
        case "first":
            if case .iterator(let it) = value {
                return it.next() ?? .undefined(JinjaUndefined(hint: "No first item, sequence was empty."))
            }
            let items = try iterate(value)
            return items.first ?? .undefined(JinjaUndefined(hint: "No first item, sequence was empty."))
        case "last":
            if case .iterator = value { throw JinjaRuntimeError("'generator' object is not reversible") }
            let items = try iterate(value)
            return items.last ?? .undefined(JinjaUndefined(hint: "No last item, sequence was empty."))
        case "float":
            let def = a[0, "default"] ?? .float(0)
            switch value {
            case .int, .bool, .float: return .float(value.asDouble)
            case .string(let s):
                return Double(pyStrip(s, chars: nil).replacingOccurrences(of: "_", with: "")).map { .float($0) } ?? def
            default: return def
            }
        case "format":
            if !kw.isEmpty { throw JinjaUnsupported("unsupported keyword arguments to filter 'format'") }
            return .string(try pyPercentFormat(value.pyStr, .list(pos)))
        case "int":
            let def = a[0, "default"] ?? .int(0)
            let base = try a.int(1, "base") ?? 10
            switch value {
            case .int, .bool: return value.numericValue!
            case .float(let d): return d.isFinite ? .int(Int(d.rounded(.towardZero))) : def
            case .string(let s):
                let t = pyStrip(s, chars: nil).replacingOccurrences(of: "_", with: "")
                if let i = Int(t, radix: base) { return .int(i) }
                if let d = Double(t), d.isFinite { return .int(Int(d.rounded(.towardZero))) }
                return def
            default: return def
            }
        case "items":
            switch value {
            case .undefined: return .iterator(JinjaIterator([]))
            case .dict(let d): return .iterator(JinjaIterator(d.pairs.map { .list([.string($0.0), $0.1]) }))
            default: throw JinjaRuntimeError("Can only get item pairs from a mapping.")
            }
        case "indent":
            let w = a[0, "width"] ?? .int(4)
            let indention: String
            if case .string(let s) = w { indention = s } else {
                guard case .int(let n)? = w.numericValue else { throw JinjaRuntimeError("indent width must be int or str") }
                indention = String(repeating: " ", count: max(0, n))
            }
            let lines = pySplitLines(value.pyStr + "\n", keepEnds: false)
            var rv: String
            if a.bool(2, "blank", default: false) {
                rv = lines.joined(separator: "\n" + indention)
            } else {
                rv = lines.first ?? ""
                if lines.count > 1 {
                    rv += "\n" + lines.dropFirst().map { $0.isEmpty ? $0 : indention + $0 }.joined(separator: "\n")
                }
            }
            if a.bool(1, "first", default: false) { rv = indention + rv }
            return .string(rv)
        case "join":
            var items = try iterate(value)
            if let getter = attrGetter(a[1, "attribute"]) { items = try items.map(getter) }
            return .string(items.map(\.pyStr).joined(separator: a[0, "d"]?.pyStr ?? ""))
        case "list": return .list(try iterate(value))
        case "lower": return .string(value.pyStr.lowercased())
        case "upper": return .string(value.pyStr.uppercased())
        case "map":
            let items = try iterate(value)
            if pos.isEmpty, let getter = attrGetter(a[99, "attribute"]) {
                let def = a[99, "default"]
                return .iterator(JinjaIterator(try items.map { item in
                    let v = try getter(item)
                    if v.isUndefined, let def { return def }
                    return v
                }))
            }
            guard case .string(let f)? = pos.first else { return .iterator(JinjaIterator(items)) }
            guard JinjaRenderer.filterNames.contains(f) else { throw JinjaUnsupported("unsupported filter '\(f)'") }
            return .iterator(JinjaIterator(try items.map { try callFilter(f, $0, Array(pos.dropFirst()), kw) }))
        case "max", "min":
            let items = try iterate(value)
            guard !items.isEmpty else { return .undefined(JinjaUndefined(hint: "No aggregated item, sequence was empty.")) }
            let cs = a.bool(0, "case_sensitive", default: false)
            let getter = attrGetter(a[1, "attribute"])
            let sorted = try stableSorted(items, key: { self.ignoreCase(try getter?($0) ?? $0, cs) }, reverse: false)
            return name == "min" ? sorted.first! : sorted.last!
        case "select", "reject", "selectattr", "rejectattr":
            let items = try iterate(value)
            let byAttr = name.hasSuffix("attr")
            var rest = pos
            var getter: ((JinjaValue) throws -> JinjaValue)? = nil
            if byAttr {
                guard !rest.isEmpty else { throw JinjaRuntimeError("Missing parameter for attribute name") }
                getter = attrGetter(rest.removeFirst())
            }
            let keep = name.hasPrefix("select")
            var testName: String? = nil
            if !rest.isEmpty {
                guard case .string(let t) = rest.removeFirst() else { throw JinjaRuntimeError("test name must be a string") }
                testName = t
            }
            return .iterator(JinjaIterator(try items.filter { item in
                let v = try getter?(item) ?? item
                let r = try testName.map { try runTest($0, v, rest) } ?? v.truthy
                return r == keep
            }))
        case "replace":
            guard let old = a[0, "old"], let new = a[1, "new"] else { throw JinjaRuntimeError("replace filter needs old and new") }
            return .string(pyReplace(value.pyStr, old.pyStr, new.pyStr, count: try a.int(2, "count") ?? -1))
        case "reverse":
            if case .string(let s) = value { return .string(scalarsToString(s.unicodeScalars.reversed())) }
            if case .iterator = value { return .list(try iterate(value).reversed()) }
            return .iterator(JinjaIterator(try iterate(value).reversed()))
        case "round":
            let precision = try a.int(0, "precision") ?? 0
            let method = try a.string(1, "method") ?? "common"
            guard let n = value.numericValue else { throw JinjaRuntimeError("round filter expects a number") }
            if case .int = n, method == "common" { return n }
            let scale = pow(10.0, Double(precision))
            let x = n.asDouble * scale
            let r: Double
            switch method {
            case "common": r = x.rounded(.toNearestOrEven)
            case "ceil": r = x.rounded(.up)
            case "floor": r = x.rounded(.down)
            default: throw JinjaRuntimeError("method must be common, ceil or floor")
            }
            return .float(r / scale)
        case "safe": return value
        case "sort":
            let cs = a.bool(1, "case_sensitive", default: false)
            let getter = attrGetter(a[2, "attribute"])
            return .list(try stableSorted(try iterate(value), key: { self.ignoreCase(try getter?($0) ?? $0, cs) },
                                          reverse: a.bool(0, "reverse", default: false)))
        case "string": return .string(value.pyStr)
        case "sum":
            var total = a[1, "start"] ?? .int(0)
            let getter = attrGetter(a[0, "attribute"])
            for item in try iterate(value) { total = try binaryOp("+", total, try getter?(item) ?? item) }
            return total
        case "title":
            // jinja2: split on runs of [-\s({\[<] (kept), upper-case each piece's first char, lower the rest.
            var out = ""
            var atStart = true
            for c in value.pyStr.unicodeScalars {
                if isPyWhitespace(c) || "-({[<".unicodeScalars.contains(c) {
                    out.unicodeScalars.append(c)
                    atStart = true
                } else if atStart {
                    out += String(c).uppercased()
                    atStart = false
                } else {
                    out += String(c).lowercased()
                }
            }
            return .string(out)
        case "tojson":
            var opts = JSONDumpOptions()
            opts.ensureASCII = a[0, "ensure_ascii"]?.truthy ?? false
            if let ind = a[1, "indent"] {
                switch ind {
                case .none: break
                case .string(let s): opts.indent = s
                default:
                    guard case .int(let n)? = ind.numericValue else { throw JinjaRuntimeError("indent must be int or str") }
                    opts.indent = String(repeating: " ", count: max(0, n))
                }
            }
            if let sep = a[2, "separators"], case .list(let l) = sep {
                guard l.count == 2 else { throw JinjaRuntimeError("separators must be a pair") }
                opts.itemSeparator = l[0].pyStr
                opts.keySeparator = l[1].pyStr
            }
            opts.sortKeys = a[3, "sort_keys"]?.truthy ?? false
            return .string(try pythonJSONDumps(value, opts))
        case "trim":
            return .string(pyStrip(value.pyStr, chars: try a.string(0, "chars")))
        case "unique":
            let cs = a.bool(0, "case_sensitive", default: false)
            let getter = attrGetter(a[1, "attribute"])
            var seen: [JinjaValue] = []
            var out: [JinjaValue] = []
            for item in try iterate(value) {
                let k = ignoreCase(try getter?(item) ?? item, cs)
                if !seen.contains(where: { $0.pyEquals(k) }) {
                    seen.append(k)
                    out.append(item)
                }
            }
            return .iterator(JinjaIterator(out))
        case "wordcount":
            var count = 0
            var inWord = false
            for c in value.pyStr.unicodeScalars {
                let w = c == "_" || c.properties.isAlphabetic || c.properties.numericType != nil
                if w && !inWord { count += 1 }
                inWord = w
            }
            return .int(count)
        default:
            throw JinjaUnsupported("unsupported filter '\(name)'")
        }
    }
}
