// MiniRegexParser.swift: pattern text -> MiniRegex.Node for the ECMAScript subset MiniRegex runs
// (see MiniRegex.swift for the supported syntax). `\p{X}` is expanded to llama.cpp's collapsed
// classes: the category byte 0xD0+k plus the ASCII members of the category (as in current
// llama.cpp, whose \p{S} includes '~'; versions before 2025-10 left it out).

struct RegexParser {
    let p: [UInt32]
    var i = 0
    var usesCategories = false

    init(_ p: [UInt32]) { self.p = p }

    func err(_ m: String) -> RegexError { RegexError(description: "regex: \(m) at \(i)") }

    var atEnd: Bool { i >= p.count }
    func peek(_ k: Int = 0) -> UInt32? { i + k < p.count ? p[i + k] : nil }

    mutating func parseAll() throws -> MiniRegex.Node {
        let n = try parseAlt()
        if !atEnd { throw err("unbalanced ')'") }
        return n
    }

    mutating func parseAlt() throws -> MiniRegex.Node {
        var items = [try parseSeq()]
        while peek() == 0x7C { i += 1; items.append(try parseSeq()) }
        return items.count == 1 ? items[0] : .alt(items)
    }

    mutating func parseSeq() throws -> MiniRegex.Node {
        var items: [MiniRegex.Node] = []
        while let c = peek(), c != 0x7C, c != 0x29 {
            var atom = try parseAtom()
            atom = try parseQuantifier(atom)
            items.append(atom)
        }
        return items.count == 1 ? items[0] : (items.isEmpty ? .empty : .cat(items))
    }

    mutating func parseNumber() -> Int? {
        var v: Int? = nil
        while let c = peek(), c >= 48, c <= 57 { v = (v ?? 0) * 10 + Int(c - 48); i += 1 }
        return v
    }

    mutating func parseQuantifier(_ atom: MiniRegex.Node) throws -> MiniRegex.Node {
        var node = atom
        while let c = peek() {
            var lo = 0, hi: Int? = nil
            switch c {
            case 0x2A: lo = 0; hi = nil; i += 1
            case 0x2B: lo = 1; hi = nil; i += 1
            case 0x3F: lo = 0; hi = 1; i += 1
            case 0x7B:
                let save = i
                i += 1
                guard let a = parseNumber() else { i = save; return node }
                lo = a; hi = a
                if peek() == 0x2C {
                    i += 1
                    hi = parseNumber()
                }
                guard peek() == 0x7D else { i = save; return node }
                i += 1
            default: return node
            }
            var greedy = true
            if peek() == 0x3F { greedy = false; i += 1 }
            node = .rep(node, lo, hi, greedy)
        }
        return node
    }

    mutating func parseAtom() throws -> MiniRegex.Node {
        let c = p[i]
        i += 1
        switch c {
        case 0x28: // (
            var kind: UInt32 = 0
            if peek() == 0x3F, let k = peek(1), k == 0x3A || k == 0x3D || k == 0x21 { kind = k; i += 2 }
            let inner = try parseAlt()
            guard peek() == 0x29 else { throw err("missing ')'") }
            i += 1
            switch kind {
            case 0x3D: return .look(inner, false)
            case 0x21: return .look(inner, true)
            default: return inner
            }
        case 0x5B: return .cls(try parseClass())
        case 0x2E: return .any
        case 0x5E: return .bol
        case 0x24: return .eol
        case 0x5C:
            guard let e = peek() else { throw err("trailing backslash") }
            i += 1
            switch e {
            case 0x62: return .wordBoundary(false)
            case 0x42: return .wordBoundary(true)
            case 0x73, 0x53, 0x64, 0x44, 0x77, 0x57:
                var cc = CharClass(); cc.builtins = [e]; return .cls(cc)
            case 0x70:
                var cc = CharClass(); try addCategory(&cc); return .cls(cc)
            default: return .char(try escapedChar(e))
            }
        default: return .char(c)
        }
    }

    /// Character for an escape `\e` (the backslash and `e` already consumed).
    mutating func escapedChar(_ e: UInt32) throws -> UInt32 {
        switch e {
        case 0x6E: return 10
        case 0x72: return 13
        case 0x74: return 9
        case 0x66: return 12
        case 0x76: return 11
        case 0x30: return 0
        case 0x78, 0x75:
            let n = e == 0x78 ? 2 : 4
            var v: UInt32 = 0
            for _ in 0..<n {
                guard let h = peek(), let d = hexValue(h) else { throw err("bad hex escape") }
                v = v * 16 + d; i += 1
            }
            return v
        default: return e
        }
    }

    func hexValue(_ h: UInt32) -> UInt32? {
        switch h {
        case 48...57: h - 48
        case 65...70: h - 55
        case 97...102: h - 87
        default: nil
        }
    }

    /// `\p{X}` in collapsed form (the `\p` already consumed); the names llama.cpp collapses.
    mutating func addCategory(_ cc: inout CharClass) throws {
        guard peek() == 0x7B else { throw err("expected '{' after \\p") }
        var name = ""
        i += 1
        while let c = peek(), c != 0x7D { name.unicodeScalars.append(Unicode.Scalar(c)!); i += 1 }
        guard peek() == 0x7D else { throw err("unterminated \\p{") }
        i += 1
        usesCategories = true
        func r(_ a: Character, _ b: Character) -> (UInt32, UInt32) {
            (a.unicodeScalars.first!.value, b.unicodeScalars.first!.value)
        }
        switch name {
        case "N": cc.ranges += [(0xD1, 0xD1), r("0", "9")]
        case "L", "Lu", "Ll", "Lt", "Lm", "Lo": cc.ranges += [(0xD2, 0xD2), r("A", "Z"), r("a", "z")]
        case "P":
            cc.ranges += [(0xD3, 0xD3), r("!", "#"), r("%", "*"), r(",", "/"), r(":", ";"), r("?", "@"),
                          r("[", "]"), r("_", "_"), r("{", "{"), r("}", "}")]
        case "M": cc.ranges += [(0xD4, 0xD4)]
        case "S":
            cc.ranges += [(0xD5, 0xD5), r("$", "$"), r("+", "+"), r("<", ">"), r("^", "^"), r("`", "`"), r("|", "|"), r("~", "~")]
        default: throw err("unsupported category \\p{\(name)}")
        }
    }

    mutating func parseClass() throws -> CharClass {
        var cc = CharClass()
        if peek() == 0x5E { cc.negated = true; i += 1 }
        var first = true
        while true {
            guard let c = peek() else { throw err("missing ']'") }
            if c == 0x5D && !first { i += 1; break }
            first = false
            i += 1
            var lo: UInt32
            if c == 0x5C {
                guard let e = peek() else { throw err("trailing backslash") }
                i += 1
                switch e {
                case 0x73, 0x53, 0x64, 0x44, 0x77, 0x57: cc.builtins.append(e); continue
                case 0x70: try addCategory(&cc); continue
                case 0x62: lo = 8
                default: lo = try escapedChar(e)
                }
            } else {
                lo = c
            }
            var hi = lo
            if peek() == 0x2D, let n = peek(1), n != 0x5D {
                i += 1
                let d = p[i]
                i += 1
                if d == 0x5C {
                    guard let e = peek() else { throw err("trailing backslash") }
                    i += 1
                    hi = try escapedChar(e)
                } else {
                    hi = d
                }
                if hi < lo { throw err("bad range") }
            }
            cc.ranges.append((lo, hi))
        }
        return cc
    }
}
