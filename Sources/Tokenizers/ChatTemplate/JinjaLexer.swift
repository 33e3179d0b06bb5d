// JinjaLexer.swift: turns template source into tokens, applying Jinja's whitespace rules.
//
// Follows jinja2 3.1's lexer as transformers configures it: newlines normalized to "\n", one
// trailing newline dropped (keep_trailing_newline=False), trim_blocks (drop the first "\n" after
// a block or comment tag), lstrip_blocks (drop spaces/tabs before a block or comment tag that starts
// its line), and the explicit `-`/`+` markers. Only the default delimiters are supported;
// line statements and line comments are not (transformers does not enable them).

struct JinjaToken: Equatable {
    enum Kind: Equatable { case text, varBegin, varEnd, blockBegin, blockEnd, name, string, integer, float, op }
    var kind: Kind
    var value: String
    var line: Int
}

struct JinjaLexer {
    private let s: [Unicode.Scalar]
    private var lineStarts: [Int] = [0]
    private(set) var tokens: [JinjaToken] = []

    init(source: String) throws {
        // Normalize "\r\n" and "\r" to "\n", then drop one trailing newline, as jinja2 does.
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(source.unicodeScalars.count)
        var prevCR = false
        for u in source.unicodeScalars {
            if u == "\r" { scalars.append("\n"); prevCR = true; continue }
            if u == "\n" && prevCR { prevCR = false; continue }
            prevCR = false
            scalars.append(u)
        }
        if scalars.last == "\n" { scalars.removeLast() }
        s = scalars
        for (i, u) in s.enumerated() where u == "\n" { lineStarts.append(i + 1) }
        try tokenize()
    }

    private func line(at pos: Int) -> Int {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= pos { lo = mid } else { hi = mid - 1 }
        }
        return lo + 1
    }

    private func at(_ i: Int) -> Unicode.Scalar? { i < s.count ? s[i] : nil }

    private func matches(_ lit: String, at i: Int) -> Bool {
        var j = i
        for u in lit.unicodeScalars {
            guard j < s.count, s[j] == u else { return false }
            j += 1
        }
        return true
    }

    private func text(_ a: Int, _ b: Int) -> String {
        var out = String.UnicodeScalarView()
        out.append(contentsOf: s[a..<b])
        return String(out)
    }

    private mutating func emit(_ kind: JinjaToken.Kind, _ value: String, _ pos: Int) {
        tokens.append(JinjaToken(kind: kind, value: value, line: line(at: pos)))
    }

    /// Applies `-` / lstrip_blocks to the text before a tag and emits it.
    private mutating func emitText(from a: Int, to b: Int, sign: Unicode.Scalar?, lstrip: Bool, lineStarting: Bool) {
        var end = b
        if sign == "-" {
            while end > a, isPyWhitespace(s[end - 1]) { end -= 1 }
        } else if sign != "+" && lstrip {
            var lpos = end
            while lpos > a, s[lpos - 1] != "\n" { lpos -= 1 }
            if (lpos > a || lineStarting) && lpos < end && s[lpos..<end].allSatisfy(isPyWhitespace) {
                end = lpos
            }
        }
        if end > a { emit(.text, text(a, end), a) }
    }

    private func skipSpaces(_ i: Int) -> Int {
        var j = i
        while j < s.count, isPyWhitespace(s[j]) { j += 1 }
        return j
    }

    /// If the block tag whose body starts at `i` is `raw`, returns the position after its `%}`.
    private func rawBegin(_ i: Int) -> Int? {
        var j = skipSpaces(i)
        guard matches("raw", at: j) else { return nil }
        j = skipSpaces(j + 3)
        if matches("-%}", at: j) { return skipSpaces(j + 3) }
        if matches("%}", at: j) { return j + 2 }
        return nil
    }

    private mutating func tokenize() throws {
        var pos = 0
        var lineStarting = true
        while pos < s.count {
            // Find the next tag opener.
            var i = pos
            while i + 1 < s.count, !(s[i] == "{" && (s[i + 1] == "{" || s[i + 1] == "%" || s[i + 1] == "#")) { i += 1 }
            if i + 1 >= s.count {
                emit(.text, text(pos, s.count), pos)
                return
            }
            let kind = s[i + 1]
            var j = i + 2
            var sign: Unicode.Scalar? = nil
            if let c = at(j), c == "-" || c == "+" { sign = c; j += 1 }
            let isVariable = kind == "{"
            emitText(from: pos, to: i, sign: sign, lstrip: !isVariable, lineStarting: lineStarting)

            if kind == "#" {
                var k = j
                while k + 1 < s.count, !(s[k] == "#" && s[k + 1] == "}") { k += 1 }
                guard k + 1 < s.count else { throw JinjaSyntaxError("Missing end of comment tag", line: line(at: i)) }
                var end = k + 2
                let endSign = k - 1 >= j ? s[k - 1] : nil
                if endSign == "-" { end = skipSpaces(end) } else if endSign != "+", at(end) == "\n" { end += 1 }
                lineStarting = s[end - 1] == "\n"
                pos = end
                continue
            }
            if kind == "%", let bodyStart = rawBegin(j) {
                // Find {%(-|+|)\s*endraw\s*(+%}|-%}\s*|%}\n?)
                var k = bodyStart
                var found: (start: Int, sign: Unicode.Scalar?, end: Int)? = nil
                while k + 1 < s.count {
                    if s[k] == "{" && s[k + 1] == "%" {
                        var m = k + 2
                        var rs: Unicode.Scalar? = nil
                        if let c = at(m), c == "-" || c == "+" { rs = c; m += 1 }
                        m = skipSpaces(m)
                        if matches("endraw", at: m) {
                            m = skipSpaces(m + 6)
                            if matches("+%}", at: m) { found = (k, rs, m + 3); break }
                            if matches("-%}", at: m) { found = (k, rs, skipSpaces(m + 3)); break }
                            if matches("%}", at: m) { found = (k, rs, at(m + 2) == "\n" ? m + 3 : m + 2); break }
                        }
                    }
                    k += 1
                }
                guard let f = found else { throw JinjaSyntaxError("Missing end of raw directive", line: line(at: i)) }
                let rawLineStarting = s[bodyStart - 1] == "\n"
                emitText(from: bodyStart, to: f.start, sign: f.sign, lstrip: true, lineStarting: rawLineStarting)
                lineStarting = s[f.end - 1] == "\n"
                pos = f.end
                continue
            }
            emit(isVariable ? .varBegin : .blockBegin, "", i)
            pos = try tokenizeTag(from: j, isVariable: isVariable, openedAt: i)
            lineStarting = s[pos - 1] == "\n"
        }
    }

    /// Tokenizes the inside of `{{ }}` or `{% %}` from `start`; returns the position after the closing tag.
    private mutating func tokenizeTag(from start: Int, isVariable: Bool, openedAt: Int) throws -> Int {
        var p = start
        var balance: [Unicode.Scalar] = []
        while true {
            guard p < s.count else {
                throw JinjaSyntaxError("unexpected end of template, expected end of tag", line: line(at: openedAt))
            }
            if balance.isEmpty {
                if isVariable {
                    if matches("-}}", at: p) { emit(.varEnd, "", p); return skipSpaces(p + 3) }
                    if matches("}}", at: p) { emit(.varEnd, "", p); return p + 2 }
                } else {
                    if matches("+%}", at: p) { emit(.blockEnd, "", p); return p + 3 }
                    if matches("-%}", at: p) { emit(.blockEnd, "", p); return skipSpaces(p + 3) }
                    if matches("%}", at: p) { emit(.blockEnd, "", p); return at(p + 2) == "\n" ? p + 3 : p + 2 }
                }
            }
            let c = s[p]
            if isPyWhitespace(c) { p += 1; continue }
            if ("0"..."9").contains(c) {
                p = try lexNumber(p)
                continue
            }
            if c == "_" || isASCIILetter(c) || c.value > 0x7f && c.properties.isXIDStart {
                var q = p + 1
                while q < s.count, s[q] == "_" || isASCIILetter(s[q]) || ("0"..."9").contains(s[q])
                    || (s[q].value > 0x7f && s[q].properties.isXIDContinue)
                { q += 1 }
                emit(.name, text(p, q), p)
                p = q
                continue
            }
            if c == "'" || c == "\"" {
                p = try lexString(p)
                continue
            }
            let two = p + 1 < s.count ? text(p, p + 2) : ""
            if ["//", "**", "==", "!=", ">=", "<="].contains(two) {
                emit(.op, two, p)
                p += 2
                continue
            }
            let one = String(Character(c))
            guard "+-/*%~[](){}><=.:|,;".contains(one) else {
                throw JinjaSyntaxError("unexpected char '\(one)'", line: line(at: p))
            }
            switch one {
            case "(": balance.append(")")
            case "[": balance.append("]")
            case "{": balance.append("}")
            case ")", "]", "}":
                guard let expected = balance.popLast() else {
                    throw JinjaSyntaxError("unexpected '\(one)'", line: line(at: p))
                }
                if String(Character(expected)) != one {
                    throw JinjaSyntaxError("unexpected '\(one)', expected '\(Character(expected))'", line: line(at: p))
                }
            default: break
            }
            emit(.op, one, p)
            p += 1
        }
    }

    private mutating func lexNumber(_ start: Int) throws -> Int {
        func digits(_ i: Int) -> Int {
            var j = i
            while j < s.count, ("0"..."9").contains(s[j]) || (s[j] == "_" && j + 1 < s.count && ("0"..."9").contains(s[j + 1])) { j += 1 }
            return j
        }
        // Prefixed integers (0x, 0o, 0b).
        if s[start] == "0", let k = at(start + 1), "xXoObB".unicodeScalars.contains(k) {
            let radix = (k == "x" || k == "X") ? 16 : (k == "o" || k == "O") ? 8 : 2
            var j = start + 2
            while j < s.count, s[j] == "_" || Character(s[j]).hexDigitValue.map({ $0 < radix }) == true { j += 1 }
            let body = text(start + 2, j).replacingOccurrences(of: "_", with: "")
            guard let v = Int(body, radix: radix) else { throw JinjaSyntaxError("bad number", line: line(at: start)) }
            emit(.integer, String(v), start)
            return j
        }
        var p = digits(start)
        var isFloat = false
        if at(p) == ".", let d = at(p + 1), ("0"..."9").contains(d) {
            p = digits(p + 1)
            isFloat = true
        }
        if let e = at(p), e == "e" || e == "E" {
            var q = p + 1
            if let sgn = at(q), sgn == "+" || sgn == "-" { q += 1 }
            if let d = at(q), ("0"..."9").contains(d) {
                p = digits(q)
                isFloat = true
            }
        }
        emit(isFloat ? .float : .integer, text(start, p).replacingOccurrences(of: "_", with: ""), start)
        return p
    }

    private mutating func lexString(_ start: Int) throws -> Int {
        let quote = s[start]
        var p = start + 1
        var out = String.UnicodeScalarView()
        while true {
            guard p < s.count else { throw JinjaSyntaxError("unexpected end of string", line: line(at: start)) }
            let c = s[p]
            if c == quote { break }
            if c != "\\" { out.append(c); p += 1; continue }
            guard let e = at(p + 1) else { throw JinjaSyntaxError("unexpected end of string", line: line(at: start)) }
            p += 2
            switch e {
            case "\n": break
            case "\\": out.append("\\")
            case "'": out.append("'")
            case "\"": out.append("\"")
            case "a": out.append("\u{7}")
            case "b": out.append("\u{8}")
            case "f": out.append("\u{c}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "v": out.append("\u{b}")
            case "x", "u", "U":
                let n = e == "x" ? 2 : e == "u" ? 4 : 8
                guard p + n <= s.count, let v = UInt32(text(p, p + n), radix: 16), let u = Unicode.Scalar(v) else {
                    throw JinjaSyntaxError("bad \\\(e) escape in string", line: line(at: start))
                }
                out.append(u)
                p += n
            case "0"..."7":
                var v = e.value - 48
                var n = 1
                while n < 3, let d = at(p), ("0"..."7").contains(d) { v = v * 8 + d.value - 48; p += 1; n += 1 }
                out.append(Unicode.Scalar(v)!)
            case "N": throw JinjaUnsupported("unsupported \\N{...} escape in string", line: line(at: start))
            default:
                out.append("\\")
                out.append(e)
            }
        }
        emit(.string, String(out), start)
        return p + 1
    }
}

private func isASCIILetter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) }

/// Python's `str.isspace()` for one scalar (what `\s`, `strip()` and `split()` use).
func isPyWhitespace(_ u: Unicode.Scalar) -> Bool {
    switch u.value {
    case 0x09...0x0d, 0x1c...0x20, 0x85, 0xa0: return true
    default: return u.value > 0xff && u.properties.isWhitespace
    }
}
