// JinjaMethods.swift: Python methods templates call on values (`s.strip()`, `d.items()`, `d.get(k)`),
// and Python string helpers shared with the filters (split, strip, title, printf-style `%`, str.format).
//
// Only side-effect-free methods exist: the sandbox transformers uses is immutable, so mutating
// methods (`list.append`, `dict.update` ...) resolve to Undefined and fail when called.
import Foundation

/// Argument access for builtins: positional index or keyword name.
struct JinjaCallArgs {
    let positional: [JinjaValue]
    let keyword: [(String, JinjaValue)]
    let function: String

    init(_ positional: [JinjaValue], _ keyword: [(String, JinjaValue)], function: String) {
        self.positional = positional
        self.keyword = keyword
        self.function = function
    }

    subscript(_ index: Int, _ name: String) -> JinjaValue? {
        if index < positional.count { return positional[index] }
        return keyword.first { $0.0 == name }?.1
    }

    func string(_ index: Int, _ name: String) throws -> String? {
        guard let v = self[index, name] else { return nil }
        if case .none = v { return nil }
        guard case .string(let s) = v else {
            throw JinjaRuntimeError("\(function)() argument '\(name)' must be str, not \(v.typeName)")
        }
        return s
    }

    func int(_ index: Int, _ name: String) throws -> Int? {
        guard let v = self[index, name] else { return nil }
        if case .none = v { return nil }
        guard case .int(let i)? = v.numericValue, !v.isFloat else {
            throw JinjaRuntimeError("\(function)() argument '\(name)' must be int, not \(v.typeName)")
        }
        return i
    }

    func bool(_ index: Int, _ name: String, default d: Bool) -> Bool {
        self[index, name]?.truthy ?? d
    }
}

extension JinjaRenderer {
    private func method(_ name: String, _ body: @escaping (JinjaCallArgs) throws -> JinjaValue) -> JinjaValue {
        .callable(JinjaCallable(name: name) { p, k in try body(JinjaCallArgs(p, k, function: name)) })
    }

    private func unsafe(_ obj: JinjaValue, _ name: String) -> JinjaValue {
        .undefined(JinjaUndefined(hint: "access to attribute '\(name)' of '\(obj.typeName)' object is unsafe."))
    }

    /// The Python method `name` bound to `obj`, or nil when `obj` has no such method.
    func boundMethod(_ obj: JinjaValue, _ name: String) -> JinjaValue? {
        switch obj {
        case .string(let s): return stringMethod(s, name)
        case .dict(let d):
            switch name {
            case "items": return method(name) { _ in .list(d.pairs.map { .list([.string($0.0), $0.1]) }) }
            case "keys": return method(name) { _ in .list(d.keys.map { .string($0) }) }
            case "values": return method(name) { _ in .list(d.values) }
            case "copy": return method(name) { _ in obj }
            case "get":
                return method(name) { a in
                    guard case .string(let k)? = a[0, "key"] else { return a[1, "default"] ?? JinjaValue.none }
                    return d[k] ?? a[1, "default"] ?? JinjaValue.none
                }
            case "pop", "popitem", "setdefault", "update", "clear": return unsafe(obj, name)
            default: return nil
            }
        case .list(let l):
            switch name {
            case "index":
                return method(name) { a in
                    guard let x = a[0, "value"], let i = l.firstIndex(where: { $0.pyEquals(x) }) else {
                        throw JinjaRuntimeError("value is not in list")
                    }
                    return .int(i)
                }
            case "count":
                return method(name) { a in
                    guard let x = a[0, "value"] else { return .int(0) }
                    return .int(l.filter { $0.pyEquals(x) }.count)
                }
            case "copy": return method(name) { _ in obj }
            case "append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear": return unsafe(obj, name)
            default: return nil
            }
        default:
            return nil
        }
    }

    private func stringMethod(_ s: String, _ name: String) -> JinjaValue? {
        let u = Array(s.unicodeScalars)
        switch name {
        case "strip", "lstrip", "rstrip":
            return method(name) { a in
                .string(pyStrip(s, chars: try a.string(0, "chars"), left: name != "rstrip", right: name != "lstrip"))
            }
        case "split", "rsplit":
            return method(name) { a in
                let parts = try pySplit(s, sep: try a.string(0, "sep"), maxsplit: try a.int(1, "maxsplit") ?? -1,
                                        fromRight: name == "rsplit")
                return .list(parts.map { .string($0) })
            }
        case "splitlines":
            return method(name) { a in .list(pySplitLines(s, keepEnds: a.bool(0, "keepends", default: false)).map { .string($0) }) }
        case "startswith", "endswith":
            return method(name) { a in
                guard let p = a[0, "prefix"] else { throw JinjaRuntimeError("\(name)() takes at least 1 argument (0 given)") }
                let candidates: [JinjaValue]
                if case .list(let l) = p { candidates = l } else { candidates = [p] }
                for c in candidates {
                    guard case .string(let x) = c else {
                        throw JinjaRuntimeError("\(name) first arg must be str or a tuple of str, not \(c.typeName)")
                    }
                    let xu = Array(x.unicodeScalars)
                    if name == "startswith" ? u.starts(with: xu) : u.reversed().starts(with: xu.reversed()) {
                        return .bool(true)
                    }
                }
                return .bool(false)
            }
        case "upper": return method(name) { _ in .string(s.uppercased()) }
        case "lower": return method(name) { _ in .string(s.lowercased()) }
        case "title": return method(name) { _ in .string(pyTitle(s)) }
        case "capitalize": return method(name) { _ in .string(pyCapitalize(s)) }
        case "swapcase":
            return method(name) { _ in
                .string(String(s.map { $0.isUppercase ? Character($0.lowercased()) : $0.isLowercase ? Character($0.uppercased()) : $0 }))
            }
        case "replace":
            return method(name) { a in
                guard let old = try a.string(0, "old"), let new = try a.string(1, "new") else {
                    throw JinjaRuntimeError("replace() takes at least 2 arguments")
                }
                return .string(pyReplace(s, old, new, count: try a.int(2, "count") ?? -1))
            }
        case "find", "rfind", "index", "rindex", "count":
            return method(name) { a in
                guard let sub = try a.string(0, "sub") else { throw JinjaRuntimeError("\(name)() takes at least 1 argument") }
                let su = Array(sub.unicodeScalars)
                var hits: [Int] = []
                var i = 0
                while let h = u.firstIndex(of: su, from: i) {
                    hits.append(h)
                    i = h + max(su.count, 1)
                    if name == "find" || name == "index" { break }
                }
                if name == "count" { return .int(hits.count) }
                if name == "rfind" || name == "rindex" {
                    var last: Int? = nil
                    var j = 0
                    while let h = u.firstIndex(of: su, from: j) { last = h; j = h + 1 }
                    if let last { return .int(last) }
                } else if let h = hits.first { return .int(h) }
                if name.hasSuffix("index") { throw JinjaRuntimeError("substring not found") }
                return .int(-1)
            }
        case "join":
            return method(name) { a in
                let items = try self.iterate(a[0, "iterable"] ?? .list([]))
                return .string(try items.map { item -> String in
                    guard case .string(let x) = item else {
                        throw JinjaRuntimeError("sequence item: expected str instance, \(item.typeName) found")
                    }
                    return x
                }.joined(separator: s))
            }
        case "isdigit", "isnumeric", "isdecimal":
            return method(name) { _ in .bool(!u.isEmpty && u.allSatisfy { $0.properties.numericType != nil }) }
        case "isalpha": return method(name) { _ in .bool(!u.isEmpty && u.allSatisfy { $0.properties.isAlphabetic }) }
        case "isalnum":
            return method(name) { _ in .bool(!u.isEmpty && u.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil }) }
        case "isspace": return method(name) { _ in .bool(!u.isEmpty && u.allSatisfy(isPyWhitespace)) }
        case "isupper", "islower":
            return method(name) { _ in
                let cased = u.filter { $0.properties.isCased }
                return .bool(!cased.isEmpty && cased.allSatisfy { name == "isupper" ? $0.properties.isUppercase : $0.properties.isLowercase })
            }
        case "removeprefix", "removesuffix":
            return method(name) { a in
                let x = Array((try a.string(0, "prefix") ?? "").unicodeScalars)
                var r = u
                if name == "removeprefix", !x.isEmpty, u.starts(with: x) { r = Array(u.dropFirst(x.count)) }
                if name == "removesuffix", !x.isEmpty, u.reversed().starts(with: x.reversed()) { r = Array(u.dropLast(x.count)) }
                var out = String.UnicodeScalarView(); out.append(contentsOf: r)
                return .string(String(out))
            }
        case "zfill", "ljust", "rjust", "center":
            return method(name) { a in
                let width = try a.int(0, "width") ?? 0
                let fill = name == "zfill" ? "0" : (try a.string(1, "fillchar") ?? " ")
                let pad = max(0, width - u.count)
                switch name {
                case "ljust": return .string(s + String(repeating: fill, count: pad))
                case "center":
                    let left = pad / 2 + (pad & width & 1)
                    return .string(String(repeating: fill, count: left) + s + String(repeating: fill, count: pad - left))
                case "zfill":
                    if let f = u.first, f == "-" || f == "+" { return .string(String(f) + String(repeating: "0", count: pad) + String(s.unicodeScalars.dropFirst())) }
                    return .string(String(repeating: "0", count: pad) + s)
                default: return .string(String(repeating: fill, count: pad) + s)
                }
            }
        case "format":
            return method(name) { a in .string(try pyStrFormat(s, a.positional, a.keyword)) }
        default:
            return nil
        }
    }
}

// MARK: - Python string helpers

func scalarsToString<S: Sequence>(_ s: S) -> String where S.Element == Unicode.Scalar {
    var out = String.UnicodeScalarView()
    out.append(contentsOf: s)
    return String(out)
}

/// Python `str.strip(chars)` / `lstrip` / `rstrip`.
func pyStrip(_ s: String, chars: String?, left: Bool = true, right: Bool = true) -> String {
    let u = Array(s.unicodeScalars)
    let set = chars.map { Set($0.unicodeScalars) }
    func strip(_ c: Unicode.Scalar) -> Bool { set?.contains(c) ?? isPyWhitespace(c) }
    var a = 0, b = u.count
    if left { while a < b, strip(u[a]) { a += 1 } }
    if right { while b > a, strip(u[b - 1]) { b -= 1 } }
    return scalarsToString(u[a..<b])
}

/// Python `str.split(sep, maxsplit)` and `str.rsplit`.
func pySplit(_ s: String, sep: String?, maxsplit: Int, fromRight: Bool = false) throws -> [String] {
    var u = Array(s.unicodeScalars)
    if fromRight { u.reverse() }
    var parts: [[Unicode.Scalar]] = []
    if let sep {
        var su = Array(sep.unicodeScalars)
        if su.isEmpty { throw JinjaRuntimeError("empty separator") }
        if fromRight { su.reverse() }
        var start = 0
        while maxsplit < 0 || parts.count < maxsplit, let h = u.firstIndex(of: su, from: start) {
            parts.append(Array(u[start..<h]))
            start = h + su.count
        }
        parts.append(Array(u[start...]))
    } else {
        var i = 0
        while i < u.count {
            while i < u.count, isPyWhitespace(u[i]) { i += 1 }
            if i >= u.count { break }
            if maxsplit >= 0 && parts.count >= maxsplit {
                var end = u.count
                while end > i, isPyWhitespace(u[end - 1]) { end -= 1 }
                parts.append(Array(u[i..<end]))
                break
            }
            let start = i
            while i < u.count, !isPyWhitespace(u[i]) { i += 1 }
            parts.append(Array(u[start..<i]))
        }
    }
    if fromRight { return parts.reversed().map { scalarsToString($0.reversed()) } }
    return parts.map { scalarsToString($0) }
}

/// Python `str.splitlines(keepends)`.
func pySplitLines(_ s: String, keepEnds: Bool) -> [String] {
    let u = Array(s.unicodeScalars)
    var lines: [String] = []
    var start = 0, i = 0
    while i < u.count {
        let c = u[i].value
        if [0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029].contains(c) {
            var end = i + 1
            if c == 0x0d, i + 1 < u.count, u[i + 1] == "\n" { end = i + 2 }
            lines.append(scalarsToString(u[start..<(keepEnds ? end : i)]))
            start = end
            i = end
        } else { i += 1 }
    }
    if start < u.count { lines.append(scalarsToString(u[start...])) }
    return lines
}

/// Python `str.replace(old, new, count)`.
func pyReplace(_ s: String, _ old: String, _ new: String, count: Int = -1) -> String {
    let u = Array(s.unicodeScalars), ou = Array(old.unicodeScalars)
    var out = String.UnicodeScalarView()
    var done = 0
    if ou.isEmpty {
        for c in u {
            if count < 0 || done < count { out.append(contentsOf: new.unicodeScalars); done += 1 }
            out.append(c)
        }
        if count < 0 || done < count { out.append(contentsOf: new.unicodeScalars) }
        return String(out)
    }
    var i = 0
    while i < u.count {
        if (count < 0 || done < count), u[i] == ou[0], i + ou.count <= u.count, Array(u[i..<i + ou.count]) == ou {
            out.append(contentsOf: new.unicodeScalars)
            i += ou.count
            done += 1
        } else {
            out.append(u[i])
            i += 1
        }
    }
    return String(out)
}

/// Python `str.title()`: a cased character after an uncased one is title-cased, others lower-cased.
func pyTitle(_ s: String) -> String {
    var out = ""
    var prevCased = false
    for c in s.unicodeScalars {
        if c.properties.isCased {
            out += prevCased ? c.properties.lowercaseMapping : c.properties.titlecaseMapping
            prevCased = true
        } else {
            out.unicodeScalars.append(c)
            prevCased = false
        }
    }
    return out
}

/// Python `str.capitalize()`: first character title-cased, the rest lower-cased.
func pyCapitalize(_ s: String) -> String {
    guard let f = s.unicodeScalars.first else { return s }
    return f.properties.titlecaseMapping + scalarsToString(s.unicodeScalars.dropFirst()).lowercased()
}

/// Python `str.format` for `{}`, `{0}`, `{name}`, `{{`/`}}` with no format spec or conversion.
func pyStrFormat(_ s: String, _ args: [JinjaValue], _ kwargs: [(String, JinjaValue)]) throws -> String {
    var out = ""
    var auto = 0
    let u = Array(s.unicodeScalars)
    var i = 0
    while i < u.count {
        let c = u[i]
        if c == "{" {
            if i + 1 < u.count, u[i + 1] == "{" { out += "{"; i += 2; continue }
            guard let close = u[i...].firstIndex(of: "}") else { throw JinjaRuntimeError("Single '{' encountered in format string") }
            let field = scalarsToString(u[(i + 1)..<close])
            if field.contains(":") || field.contains("!") || field.contains(".") || field.contains("[") {
                throw JinjaUnsupported("unsupported str.format field '{\(field)}'")
            }
            let value: JinjaValue?
            if field.isEmpty {
                value = auto < args.count ? args[auto] : nil
                auto += 1
            } else if let n = Int(field) {
                value = n < args.count ? args[n] : nil
            } else {
                value = kwargs.first { $0.0 == field }?.1
            }
            guard let value else { throw JinjaRuntimeError("Replacement index out of range for positional args tuple") }
            out += value.pyStr
            i = close + 1
        } else if c == "}" {
            guard i + 1 < u.count, u[i + 1] == "}" else { throw JinjaRuntimeError("Single '}' encountered in format string") }
            out += "}"
            i += 2
        } else {
            out.unicodeScalars.append(c)
            i += 1
        }
    }
    return out
}

/// Python printf-style `fmt % args` for %s %r %d %i %f %% (with optional precision like %.2f).
func pyPercentFormat(_ fmt: String, _ args: JinjaValue) throws -> String {
    var values: [JinjaValue]
    if case .list(let l) = args { values = l } else { values = [args] }
    var out = ""
    let u = Array(fmt.unicodeScalars)
    var i = 0
    while i < u.count {
        guard u[i] == "%" else { out.unicodeScalars.append(u[i]); i += 1; continue }
        i += 1
        guard i < u.count else { throw JinjaRuntimeError("incomplete format") }
        var spec = ""
        while i < u.count, "0123456789.-+ ".unicodeScalars.contains(u[i]) { spec.unicodeScalars.append(u[i]); i += 1 }
        guard i < u.count else { throw JinjaRuntimeError("incomplete format") }
        let conv = u[i]
        i += 1
        if conv == "%" { out += "%"; continue }
        guard !values.isEmpty else { throw JinjaRuntimeError("not enough arguments for format string") }
        let v = values.removeFirst()
        switch conv {
        case "s" where spec.isEmpty: out += v.pyStr
        case "r" where spec.isEmpty: out += v.pyRepr
        case "d" where spec.isEmpty, "i" where spec.isEmpty:
            guard let n = v.numericValue else { throw JinjaRuntimeError("%d format: a real number is required, not \(v.typeName)") }
            out += String(Int(n.asDouble.rounded(.towardZero)))
        case "f":
            guard let n = v.numericValue else { throw JinjaRuntimeError("must be real number, not \(v.typeName)") }
            let precision = spec.hasPrefix(".") ? Int(spec.dropFirst()) ?? 6 : (spec.isEmpty ? 6 : -1)
            if precision < 0 { throw JinjaUnsupported("unsupported format spec '%\(spec)f'") }
            out += String(format: "%.\(precision)f", n.asDouble)
        default:
            throw JinjaUnsupported("unsupported format spec '%\(spec)\(Character(conv))'")
        }
    }
    if !values.isEmpty, case .list = args { throw JinjaRuntimeError("not all arguments converted during string formatting") }
    return out
}
