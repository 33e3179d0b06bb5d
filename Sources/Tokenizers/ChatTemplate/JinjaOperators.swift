// JinjaOperators.swift: Python semantics of Jinja operators, attribute/item access and iteration.
//
// Arithmetic follows Python (floor division and modulo round toward -inf, `/` is true division,
// str/list repetition with `*`, bools act as ints). Attribute access follows jinja2's sandbox:
// `obj.name` tries the Python attribute (methods such as `dict.items`) before the item, and
// `obj[key]` tries the item before the attribute; misses give Undefined. Mutating methods
// (`list.append`, `dict.update` ...) are unsafe in the immutable sandbox and give Undefined too.
import Foundation

extension JinjaRenderer {
    func undefinedError(_ u: JinjaUndefined) -> ChatTemplateError {
        ChatTemplateError(kind: .undefined, message: u.hint, line: nil)
    }

    /// Python iteration: list items, dict keys, string characters; Undefined iterates as empty.
    func iterate(_ v: JinjaValue) throws -> [JinjaValue] {
        switch v {
        case .list(let l): return l
        case .dict(let d): return d.keys.map { .string($0) }
        case .string(let s): return s.unicodeScalars.map { .string(String($0)) }
        case .undefined: return []
        case .iterator(let it): return it.drain()
        default: throw JinjaRuntimeError("'\(v.typeName)' object is not iterable")
        }
    }

    private func objectTypeRepr(_ v: JinjaValue) -> String {
        if case .none = v { return "None" }
        return "\(v.typeName) object"
    }

    func getAttribute(_ obj: JinjaValue, _ name: String) throws -> JinjaValue {
        if case .undefined(let u) = obj { throw undefinedError(u) }
        if let m = boundMethod(obj, name) { return m }
        switch obj {
        case .dict(let d):
            if let v = d[name] { return v }
        case .namespace(let ns):
            if let v = ns.attributes[name] { return v }
        default: break
        }
        return .undefined(JinjaUndefined(hint: "'\(objectTypeRepr(obj))' has no attribute '\(name)'"))
    }

    func getItem(_ obj: JinjaValue, _ key: JinjaValue) throws -> JinjaValue {
        if case .undefined(let u) = obj { throw undefinedError(u) }
        switch (obj, key) {
        case (.dict(let d), .string(let k)):
            if let v = d[k] { return v }
        case (.list(let l), _):
            if case .int(let i)? = key.numericValue, !(key.isFloat) {
                let j = i < 0 ? i + l.count : i
                if j >= 0 && j < l.count { return l[j] }
            }
        case (.string(let s), _):
            if case .int(let i)? = key.numericValue, !(key.isFloat) {
                let u = Array(s.unicodeScalars)
                let j = i < 0 ? i + u.count : i
                if j >= 0 && j < u.count { return .string(String(u[j])) }
            }
        default: break
        }
        if case .string(let name) = key {
            if let m = boundMethod(obj, name) { return m }
            if case .namespace = obj {} else {
                return .undefined(JinjaUndefined(hint: "'\(objectTypeRepr(obj))' has no attribute '\(name)'"))
            }
        }
        return .undefined(JinjaUndefined(hint: "'\(objectTypeRepr(obj))' has no element \(key.pyRepr)"))
    }

    func slice(_ obj: JinjaValue, _ start: JinjaValue?, _ stop: JinjaValue?, _ step: JinjaValue?) throws -> JinjaValue {
        func intOrNil(_ v: JinjaValue?) throws -> Int? {
            guard let v else { return nil }
            switch v {
            case .none: return nil
            case .int(let i): return i
            case .bool(let b): return b ? 1 : 0
            default: throw JinjaRuntimeError("slice indices must be integers or None or have an __index__ method")
            }
        }
        let st = try intOrNil(step) ?? 1
        if st == 0 { throw JinjaRuntimeError("slice step cannot be zero") }
        func indices(_ n: Int) throws -> [Int] {
            var a = try intOrNil(start), b = try intOrNil(stop)
            if st > 0 {
                var lo = a ?? 0, hi = b ?? n
                if lo < 0 { lo = max(0, lo + n) }
                if hi < 0 { hi = max(0, hi + n) }
                lo = min(lo, n); hi = min(hi, n)
                return lo < hi ? Array(stride(from: lo, to: hi, by: st)) : []
            } else {
                if let x = a, x < 0 { a = x + n }
                if let x = b, x < 0 { b = x + n }
                let hi = min(a ?? n - 1, n - 1)
                let lo = b ?? -1
                if hi < 0 && a != nil && a! < 0 { return [] }
                return hi > lo ? Array(stride(from: hi, to: lo, by: st)) : []
            }
        }
        switch obj {
        case .list(let l): return .list(try indices(l.count).map { l[$0] })
        case .string(let s):
            let u = Array(s.unicodeScalars)
            var out = String.UnicodeScalarView()
            for i in try indices(u.count) { out.append(u[i]) }
            return .string(String(out))
        case .undefined(let u): throw undefinedError(u)
        default: return .undefined(JinjaUndefined(hint: "'\(objectTypeRepr(obj))' has no element slice"))
        }
    }

    func unaryOp(_ op: String, _ v: JinjaValue) throws -> JinjaValue {
        if case .undefined(let u) = v { throw undefinedError(u) }
        switch v.numericValue {
        case .int(let i)?: return .int(op == "-" ? -i : i)
        case .float(let d)?: return .float(op == "-" ? -d : d)
        default: throw JinjaRuntimeError("bad operand type for unary \(op): '\(v.typeName)'")
        }
    }

    func binaryOp(_ op: String, _ a: JinjaValue, _ b: JinjaValue) throws -> JinjaValue {
        if case .undefined(let u) = a { throw undefinedError(u) }
        if case .undefined(let u) = b { throw undefinedError(u) }
        let typeError = JinjaRuntimeError("unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'")
        switch (op, a, b) {
        case ("+", .string(let x), .string(let y)): return .string(x + y)
        case ("+", .list(let x), .list(let y)): return .list(x + y)
        case ("*", .string(let s), _), ("*", _, .string(let s)):
            guard case .int(let n)? = (a.isString ? b : a).numericValue, !(a.isString ? b : a).isFloat else {
                throw JinjaRuntimeError("can't multiply sequence by non-int of type '\((a.isString ? b : a).typeName)'")
            }
            return .string(String(repeating: s, count: max(0, n)))
        case ("*", .list(let l), _), ("*", _, .list(let l)):
            let other = a.isList ? b : a
            guard case .int(let n)? = other.numericValue, !other.isFloat else {
                throw JinjaRuntimeError("can't multiply sequence by non-int of type '\(other.typeName)'")
            }
            return .list(Array(Array(repeating: l, count: max(0, n)).joined()))
        case ("%", .string, _):
            return .string(try pyPercentFormat(a.pyStr, b))
        default: break
        }
        guard let x = a.numericValue, let y = b.numericValue else { throw typeError }
        if case .int(let i) = x, case .int(let j) = y {
            switch op {
            case "+": return .int(i &+ j)
            case "-": return .int(i &- j)
            case "*": return .int(i &* j)
            case "/":
                if j == 0 { throw JinjaRuntimeError("division by zero") }
                return .float(Double(i) / Double(j))
            case "//":
                if j == 0 { throw JinjaRuntimeError("integer division or modulo by zero") }
                let q = i / j
                return .int((i % j != 0 && (i < 0) != (j < 0)) ? q - 1 : q)
            case "%":
                if j == 0 { throw JinjaRuntimeError("integer modulo by zero") }
                let r = i % j
                return .int((r != 0 && (r < 0) != (j < 0)) ? r + j : r)
            case "**":
                if j < 0 { return .float(pow(Double(i), Double(j))) }
                var result = 1, base = i, e = j
                while e > 0 {
                    if e & 1 == 1 { result = result &* base }
                    base = base &* base
                    e >>= 1
                }
                return .int(result)
            default: throw typeError
            }
        }
        let p = x.asDouble, q = y.asDouble
        switch op {
        case "+": return .float(p + q)
        case "-": return .float(p - q)
        case "*": return .float(p * q)
        case "/":
            if q == 0 { throw JinjaRuntimeError("float division by zero") }
            return .float(p / q)
        case "//":
            if q == 0 { throw JinjaRuntimeError("float floor division by zero") }
            return .float((p / q).rounded(.down))
        case "%":
            if q == 0 { throw JinjaRuntimeError("float modulo") }
            let r = p.truncatingRemainder(dividingBy: q)
            return .float((r != 0 && (r < 0) != (q < 0)) ? r + q : r)
        case "**": return .float(pow(p, q))
        default: throw typeError
        }
    }

    /// Python ordering for `<`, `>`, `sort` and `dictsort`: numbers, strings (by code point) and lists.
    func pyLess(_ a: JinjaValue, _ b: JinjaValue) throws -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars)
        case (.list(let x), .list(let y)):
            for (p, q) in zip(x, y) where !p.pyEquals(q) { return try pyLess(p, q) }
            return x.count < y.count
        default:
            guard let p = a.numericValue, let q = b.numericValue else {
                throw JinjaRuntimeError("'<' not supported between instances of '\(a.typeName)' and '\(b.typeName)'")
            }
            if case .int(let i) = p, case .int(let j) = q { return i < j }
            return p.asDouble < q.asDouble
        }
    }

    func contains(_ container: JinjaValue, _ item: JinjaValue) throws -> Bool {
        switch container {
        case .string(let s):
            guard case .string(let sub) = item else {
                throw JinjaRuntimeError("'in <string>' requires string as left operand, not \(item.typeName)")
            }
            return Array(s.unicodeScalars).containsSubsequence(Array(sub.unicodeScalars))
        case .list(let l): return l.contains { $0.pyEquals(item) }
        case .iterator(let it):
            while let x = it.next() { if x.pyEquals(item) { return true } }
            return false
        case .dict(let d):
            if case .string(let k) = item { return d[k] != nil }
            return false
        case .undefined: return false
        default: throw JinjaRuntimeError("argument of type '\(container.typeName)' is not iterable")
        }
    }

    func compareOp(_ op: String, _ a: JinjaValue, _ b: JinjaValue) throws -> Bool {
        switch op {
        case "==": return a.pyEquals(b)
        case "!=": return !a.pyEquals(b)
        case "in": return try contains(b, a)
        case "notin": return !(try contains(b, a))
        default:
            if case .undefined(let u) = a { throw undefinedError(u) }
            if case .undefined(let u) = b { throw undefinedError(u) }
            switch op {
            case "<": return try pyLess(a, b)
            case ">": return try pyLess(b, a)
            case "<=": return try !pyLess(b, a)
            case ">=": return try !pyLess(a, b)
            default: throw JinjaUnsupported("unsupported operator '\(op)'")
            }
        }
    }
}

extension JinjaValue {
    var isString: Bool { if case .string = self { return true } else { return false } }
    var isList: Bool { if case .list = self { return true } else { return false } }
    var isFloat: Bool { if case .float = self { return true } else { return false } }
}

extension Array where Element == Unicode.Scalar {
    /// True when `needle` occurs as a contiguous run (code-point exact, like Python's `in`).
    func containsSubsequence(_ needle: [Unicode.Scalar]) -> Bool {
        if needle.isEmpty { return true }
        if needle.count > count { return false }
        for i in 0...(count - needle.count) where self[i] == needle[0] {
            if Array(self[i..<i + needle.count]) == needle { return true }
        }
        return false
    }
    /// The index of the first occurrence of `needle` at or after `from`, or nil.
    func firstIndex(of needle: [Unicode.Scalar], from: Int = 0) -> Int? {
        if needle.isEmpty { return from <= count ? from : nil }
        if needle.count > count { return nil }
        var i = from
        while i <= count - needle.count {
            if self[i] == needle[0] && Array(self[i..<i + needle.count]) == needle { return i }
            i += 1
        }
        return nil
    }
}
