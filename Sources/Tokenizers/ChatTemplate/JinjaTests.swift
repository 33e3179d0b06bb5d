// JinjaTests.swift: jinja2's builtin tests (`x is defined`, `x is string` ...) and the globals
// transformers provides (range, namespace, dict, raise_exception, strftime_now).
//
// Type tests follow Python: bools are numbers but not integers in jinja2's `integer` test;
// Undefined is iterable and a sequence (it has __iter__ and __len__).
import Foundation

extension JinjaRenderer {
    static let testNames: Set<String> = [
        "boolean", "callable", "defined", "divisibleby", "eq", "equalto", "==", "escaped", "even", "false", "float",
        "ge", ">=", "gt", ">", "greaterthan", "in", "integer", "iterable", "le", "<=", "lower", "lt", "<", "lessthan",
        "mapping", "ne", "!=", "none", "number", "odd", "sameas", "sequence", "string", "true", "undefined", "upper",
    ]

    func applyTest(_ name: String, _ value: JinjaValue, _ args: JinjaArgs, _ scope: JinjaScope) throws -> Bool {
        let (pos, kw) = try evalArgs(args, scope)
        if !kw.isEmpty { throw JinjaUnsupported("unsupported keyword arguments to test '\(name)'") }
        return try runTest(name, value, pos)
    }

    func runTest(_ name: String, _ value: JinjaValue, _ args: [JinjaValue]) throws -> Bool {
        func arg() throws -> JinjaValue {
            guard let a = args.first else { throw JinjaRuntimeError("test '\(name)' takes 1 argument") }
            return a
        }
        switch name {
        case "boolean": if case .bool = value { return true } else { return false }
        case "callable": if case .callable = value { return true } else { return false }
        case "defined": return !value.isUndefined
        case "undefined": return value.isUndefined
        case "none": if case .none = value { return true } else { return false }
        case "true": if case .bool(true) = value { return true } else { return false }
        case "false": if case .bool(false) = value { return true } else { return false }
        case "string": return value.isString
        case "float": return value.isFloat
        case "integer": if case .int = value { return true } else { return false }
        case "number": return value.numericValue != nil
        case "mapping": if case .dict = value { return true } else { return false }
        case "iterable", "sequence":
            switch value {
            case .string, .list, .dict, .undefined: return true
            case .iterator: return name == "iterable"
            default: return false
            }
        case "escaped": return false
        case "lower": return value.pyStr == value.pyStr.lowercased()
        case "upper": return value.pyStr == value.pyStr.uppercased()
        case "odd", "even":
            guard case .int(let i)? = value.numericValue else { throw JinjaRuntimeError("odd/even test expects an integer") }
            return (i % 2 != 0) == (name == "odd")
        case "divisibleby":
            guard case .int(let i)? = value.numericValue, case .int(let n)? = try arg().numericValue, n != 0 else {
                throw JinjaRuntimeError("divisibleby test expects integers")
            }
            return i % n == 0
        case "eq", "equalto", "==": return value.pyEquals(try arg())
        case "ne", "!=": return !value.pyEquals(try arg())
        case "lt", "<", "lessthan": return try compareOp("<", value, try arg())
        case "le", "<=": return try compareOp("<=", value, try arg())
        case "gt", ">", "greaterthan": return try compareOp(">", value, try arg())
        case "ge", ">=": return try compareOp(">=", value, try arg())
        case "in": return try contains(try arg(), value)
        case "sameas":
            let other = try arg()
            switch (value, other) {
            case (.none, .none): return true
            case (.bool(let x), .bool(let y)): return x == y
            case (.namespace(let x), .namespace(let y)): return x === y
            case (.callable(let x), .callable(let y)): return x === y
            default: return false
            }
        default:
            throw JinjaUnsupported("unsupported test '\(name)'")
        }
    }

    /// The globals transformers' environment defines. `now` feeds `strftime_now`.
    static func makeGlobals(now: Date, timeZone: TimeZone) -> [String: JinjaValue] {
        var g: [String: JinjaValue] = [:]
        g["raise_exception"] = .callable(JinjaCallable(name: "raise_exception") { pos, kw in
            let msg = pos.first ?? kw.first { $0.0 == "message" }?.1 ?? JinjaValue.none
            throw ChatTemplateError(kind: .raised, message: msg.pyStr, line: nil)
        })
        g["strftime_now"] = .callable(JinjaCallable(name: "strftime_now") { pos, _ in
            guard case .string(let fmt)? = pos.first else { throw JinjaRuntimeError("strftime_now() expects a format string") }
            return .string(try pyStrftime(fmt, now, timeZone))
        })
        g["range"] = .callable(JinjaCallable(name: "range") { pos, _ in
            let ints = try pos.map { v -> Int in
                guard case .int(let i)? = v.numericValue, !v.isFloat else {
                    throw JinjaRuntimeError("'\(v.typeName)' object cannot be interpreted as an integer")
                }
                return i
            }
            var start = 0, stop = 0, step = 1
            switch ints.count {
            case 1: stop = ints[0]
            case 2: start = ints[0]; stop = ints[1]
            case 3: start = ints[0]; stop = ints[1]; step = ints[2]
            default: throw JinjaRuntimeError("range expected 1 to 3 arguments, got \(ints.count)")
            }
            if step == 0 { throw JinjaRuntimeError("range() arg 3 must not be zero") }
            let r = Array(stride(from: start, to: stop, by: step))
            if r.count > 100_000 { throw JinjaRuntimeError("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).") }
            return .list(r.map { .int($0) })
        })
        func dictFrom(_ pos: [JinjaValue], _ kw: [(String, JinjaValue)], _ fn: String) throws -> JinjaDict {
            var d = JinjaDict()
            if let first = pos.first {
                switch first {
                case .dict(let x): d = x
                case .list(let items):
                    for item in items {
                        guard case .list(let kv) = item, kv.count == 2, case .string(let k) = kv[0] else {
                            throw JinjaRuntimeError("\(fn)(): sequence elements must be (str, value) pairs")
                        }
                        d[k] = kv[1]
                    }
                default: throw JinjaRuntimeError("'\(first.typeName)' object is not iterable")
                }
            }
            for (k, v) in kw { d[k] = v }
            return d
        }
        g["namespace"] = .callable(JinjaCallable(name: "namespace") { pos, kw in
            let d = try dictFrom(pos, kw, "namespace")
            if let bad = d.keys.first(where: { $0.hasPrefix("_") }) {
                throw JinjaRuntimeError("Chat templates cannot store underscore-prefixed attributes on a namespace, but got '\(bad)'. Please rename the attribute.")
            }
            return .namespace(JinjaNamespace(d))
        })
        g["dict"] = .callable(JinjaCallable(name: "dict") { pos, kw in .dict(try dictFrom(pos, kw, "dict")) })
        return g
    }
}

/// C `strftime` for the directives chat templates use (%d %m %Y %y %b %B %a %A %H %I %M %S %p %j %e %%),
/// in the C/English locale as Python uses by default.
func pyStrftime(_ fmt: String, _ date: Date, _ tz: TimeZone) throws -> String {
    var cal = Calendar(identifier: .gregorian)
    cal.timeZone = tz
    let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
    let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
    let days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    var out = ""
    var it = fmt.makeIterator()
    while let ch = it.next() {
        guard ch == "%" else { out.append(ch); continue }
        guard let d = it.next() else { out.append("%"); break }
        let year = c.year!, month = c.month!, day = c.day!, hour = c.hour!, minute = c.minute!, second = c.second!
        switch d {
        case "d": out += two(day)
        case "e": out += day < 10 ? " \(day)" : "\(day)"
        case "m": out += two(month)
        case "Y": out += String(year)
        case "y": out += two(year % 100)
        case "b", "h": out += String(months[month - 1].prefix(3))
        case "B": out += months[month - 1]
        case "a": out += String(days[c.weekday! - 1].prefix(3))
        case "A": out += days[c.weekday! - 1]
        case "H": out += two(hour)
        case "I": out += two(hour % 12 == 0 ? 12 : hour % 12)
        case "M": out += two(minute)
        case "S": out += two(second)
        case "p": out += hour < 12 ? "AM" : "PM"
        case "j":
            let doy = cal.ordinality(of: .day, in: .year, for: date) ?? 0
            out += doy < 10 ? "00\(doy)" : doy < 100 ? "0\(doy)" : "\(doy)"
        case "%": out += "%"
        default: throw JinjaUnsupported("unsupported strftime directive '%\(d)'")
        }
    }
    return out
}
