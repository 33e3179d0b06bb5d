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
        var parser = RegexParser(Array(pattern.unicodeScalars.map(\.value)))
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
