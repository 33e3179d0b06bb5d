// MiniRegex.swift: a small backtracking regex engine with ECMAScript (std::regex) semantics,
// enough for llama.cpp's pre-tokenizer patterns: literals, classes with ranges, \s \d \w (ASCII,
// as std::regex in the C locale), . ^ $ \b, groups, (?: (?= (?!, alternation (leftmost-first),
// greedy and lazy * + ? {m,n}. `\p{X}` follows llama.cpp's "collapsed" trick: the text is first
// mapped so every non-ASCII code point becomes one byte per category (see PreTokenizer), and
// \p{X} matches that byte plus the ASCII members of X. Limits: no backreferences, no lookbehind,
// no case-insensitive flag; a step budget stops pathological backtracking (no match).

struct RegexError: Error, CustomStringConvertible {
    let description: String
}

/// A character class over UInt32 code units.
struct CharClass: Sendable {
    var negated = false
    var ranges: [(UInt32, UInt32)] = []
    /// Built-in escapes inside the class: s, S, d, D, w, W.
    var builtins: [UInt32] = []
    private(set) var ascii: [Bool] = []

    static func isSpace(_ c: UInt32) -> Bool { c == 32 || (c >= 9 && c <= 13) }
    static func isDigit(_ c: UInt32) -> Bool { c >= 48 && c <= 57 }
    static func isWord(_ c: UInt32) -> Bool {
        isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95
    }

    private func slowMatch(_ c: UInt32) -> Bool {
        var hit = false
        for (lo, hi) in ranges where c >= lo && c <= hi { hit = true; break }
        if !hit {
            for b in builtins {
                switch b {
                case 0x73: hit = CharClass.isSpace(c)
                case 0x53: hit = !CharClass.isSpace(c)
                case 0x64: hit = CharClass.isDigit(c)
                case 0x44: hit = !CharClass.isDigit(c)
                case 0x77: hit = CharClass.isWord(c)
                case 0x57: hit = !CharClass.isWord(c)
                default: break
                }
                if hit { break }
            }
        }
        return hit != negated
    }

    mutating func finalize() {
        ascii = (0..<256).map { slowMatch(UInt32($0)) }
    }

    @inline(__always)
    func matches(_ c: UInt32) -> Bool { c < 256 ? ascii[Int(c)] : slowMatch(c) }
}

struct MiniRegex: Sendable {
    enum Inst: Sendable {
        case char(UInt32)
        case cls(Int)
        case any
        case split(Int, Int)        // try first, backtrack to second
        case jmp(Int)
        case match
        case look(Int, Bool)        // sub-program index, negative
        case lookCls(Int, Bool)     // one-character lookahead on a class
        case bol, eol
        case wordBoundary(Bool)     // negated
    }

    indirect enum Node {
        case empty, any, bol, eol
        case char(UInt32)
        case cls(CharClass)
        case cat([Node])
        case alt([Node])
        case rep(Node, Int, Int?, Bool)
        case look(Node, Bool)
        case wordBoundary(Bool)
    }

    let pattern: String
    /// True when the pattern uses \p{..}: the text must be given in collapsed form.
    let usesCategories: Bool
    private(set) var programs: [[Inst]] = []   // programs[0] is the main one
    private(set) var classes: [CharClass] = []

    init(_ pattern: String) throws {
        self.pattern = pattern
        var parser = Parser(Array(pattern.unicodeScalars.map(\.value)))
        let node = try parser.parseAll()
        usesCategories = parser.usesCategories
        programs = [[]]
        var main: [Inst] = []
        compile(node, into: &main)
        main.append(.match)
        programs[0] = main
    }

    // MARK: compile

    private mutating func addClass(_ c: CharClass) -> Int {
        var c = c
        c.finalize()
        classes.append(c)
        return classes.count - 1
    }

    private mutating func compile(_ node: Node, into p: inout [Inst]) {
        switch node {
        case .empty: break
        case .any: p.append(.any)
        case .bol: p.append(.bol)
        case .eol: p.append(.eol)
        case let .wordBoundary(neg): p.append(.wordBoundary(neg))
        case let .char(c): p.append(.char(c))
        case let .cls(c): p.append(.cls(addClass(c)))
        case let .cat(items): for n in items { compile(n, into: &p) }
        case let .alt(items):
            var jumps: [Int] = []
            for (k, n) in items.enumerated() {
                if k < items.count - 1 {
                    let s = p.count
                    p.append(.split(s + 1, -1))
                    compile(n, into: &p)
                    jumps.append(p.count)
                    p.append(.jmp(-1))
                    p[s] = .split(s + 1, p.count)
                } else {
                    compile(n, into: &p)
                }
            }
            for j in jumps { p[j] = .jmp(p.count) }
        case let .rep(n, lo, hi, greedy):
            for _ in 0..<lo { compile(n, into: &p) }
            if let hi {
                var splits: [Int] = []
                for _ in lo..<hi {
                    splits.append(p.count)
                    p.append(.split(-1, -1))
                    compile(n, into: &p)
                }
                let end = p.count
                for s in splits { p[s] = greedy ? .split(s + 1, end) : .split(end, s + 1) }
            } else {
                let s = p.count
                p.append(.split(-1, -1))
                compile(n, into: &p)
                p.append(.jmp(s))
                p[s] = greedy ? .split(s + 1, p.count) : .split(p.count, s + 1)
            }
        case let .look(n, neg):
            switch n {
            case let .cls(c): p.append(.lookCls(addClass(c), neg))
            case let .char(ch):
                var c = CharClass(); c.ranges = [(ch, ch)]
                p.append(.lookCls(addClass(c), neg))
            default:
                var sub: [Inst] = []
                compile(n, into: &sub)
                sub.append(.match)
                programs.append(sub)
                p.append(.look(programs.count - 1, neg))
            }
        }
    }

    // MARK: match

    /// End of the highest-priority match of program `prog` starting exactly at `start`, looking
    /// only at text[lo..<hi]; nil if none. `notNull` rejects empty matches.
    func matchAt(_ text: UnsafeBufferPointer<UInt32>, lo: Int, hi: Int, start: Int,
                 prog: Int = 0, notNull: Bool = false) -> Int? {
        var stack: [Int] = []
        return matchAt(text, lo: lo, hi: hi, start: start, prog: prog, notNull: notNull, stack: &stack)
    }

    /// As above, with a caller-provided backtracking stack (emptied first) to avoid allocations.
    func matchAt(_ text: UnsafeBufferPointer<UInt32>, lo: Int, hi: Int, start: Int,
                 prog: Int = 0, notNull: Bool = false, stack: inout [Int]) -> Int? {
        let code = programs[prog]
        stack.removeAll(keepingCapacity: true)
        var budget = 1_000_000
        var pc = 0, pos = start
        while true {
            var failed = false
            budget -= 1
            if budget <= 0 { return nil }
            switch code[pc] {
            case let .char(c):
                if pos < hi && text[pos] == c { pc += 1; pos += 1 } else { failed = true }
            case let .cls(i):
                if pos < hi && classes[i].matches(text[pos]) { pc += 1; pos += 1 } else { failed = true }
            case .any:
                if pos < hi, text[pos] != 10, text[pos] != 13, text[pos] != 0x2028, text[pos] != 0x2029 {
                    pc += 1; pos += 1
                } else { failed = true }
            case let .split(a, b):
                stack.append(b); stack.append(pos)
                pc = a
            case let .jmp(a): pc = a
            case .match:
                if notNull && pos == start { failed = true } else { return pos }
            case let .lookCls(i, neg):
                let hit = pos < hi && classes[i].matches(text[pos])
                if hit != neg { pc += 1 } else { failed = true }
            case let .look(sub, neg):
                let hit = matchAt(text, lo: lo, hi: hi, start: pos, prog: sub) != nil
                if hit != neg { pc += 1 } else { failed = true }
            case .bol:
                if pos == lo { pc += 1 } else { failed = true }
            case .eol:
                if pos == hi { pc += 1 } else { failed = true }
            case let .wordBoundary(neg):
                let a = pos > lo && CharClass.isWord(text[pos - 1])
                let b = pos < hi && CharClass.isWord(text[pos])
                if (a != b) != neg { pc += 1 } else { failed = true }
            }
            if failed {
                guard let p = stack.popLast(), let q = stack.popLast() else { return nil }
                pos = p; pc = q
            }
        }
    }

    /// Splits each fragment (lengths in `offsets`) into matches and the gaps between them, as
    /// llama.cpp's `unicode_regex_split_stl` does with std::regex_iterator. Empty pieces are dropped.
    func split(_ text: [UInt32], offsets: [Int]) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(offsets.count * 2)
        var stack: [Int] = []
        stack.reserveCapacity(64)
        text.withUnsafeBufferPointer { tp in
            var base = 0
            for len in offsets {
                let lo = base, hi = base + len
                base = hi
                var last = lo, from = lo
                var lastEmpty = false
                while from <= hi {
                    var m: (Int, Int)? = nil
                    if lastEmpty {
                        if let e = matchAt(tp, lo: lo, hi: hi, start: from, notNull: true, stack: &stack) {
                            m = (from, e)
                        } else {
                            from += 1
                        }
                    }
                    if m == nil {
                        var s = from
                        while s <= hi {
                            if let e = matchAt(tp, lo: lo, hi: hi, start: s, stack: &stack) { m = (s, e); break }
                            s += 1
                        }
                    }
                    guard let (s, e) = m else { break }
                    if s > last { out.append(s - last) }
                    if e > s { out.append(e - s) }
                    last = e
                    lastEmpty = e == s
                    from = e
                }
                if last < hi { out.append(hi - last) }
            }
        }
        return out
    }
}

// MARK: parser

private struct Parser {
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
            cc.ranges += [(0xD5, 0xD5), r("$", "$"), r("+", "+"), r("<", ">"), r("^", "^"), r("`", "`"), r("|", "|")]
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
