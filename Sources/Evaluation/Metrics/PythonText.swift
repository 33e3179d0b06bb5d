// PythonText.swift: the few Python string semantics the reference metric implementations rely on
// (str.split() / str.rstrip() whitespace, str.lower(), the `\w` class of Python's `re`), done on
// Unicode scalars (Python's code points), not on Swift Characters (grapheme clusters), so that
// "e\u{301}" is two code points here as it is in Python.
// Limits: the Unicode tables are Swift's, which may be a version apart from CPython's.

/// Python-compatible text primitives used by the metrics. Internal, but documented because each
/// metric's exactness depends on them.
enum PythonText {
    /// Code points for which Python's `str.isspace()` is true.
    static func isSpace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Python's `str.split()` with no arguments: runs of whitespace separate, no empty fields.
    static func split(_ scalars: [Unicode.Scalar]) -> [String] {
        var out: [String] = []
        var cur = String.UnicodeScalarView()
        for s in scalars {
            if isSpace(s) {
                if !cur.isEmpty { out.append(String(cur)); cur = String.UnicodeScalarView() }
            } else {
                cur.append(s)
            }
        }
        if !cur.isEmpty { out.append(String(cur)) }
        return out
    }

    /// Python's `str.split()` on a String.
    static func split(_ text: String) -> [String] { split(Array(text.unicodeScalars)) }

    /// Python's `str.rstrip()` with no arguments.
    static func rstrip(_ scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var end = scalars.count
        while end > 0 && isSpace(scalars[end - 1]) { end -= 1 }
        return Array(scalars[0..<end])
    }

    /// Python's `str.lower()` (full Unicode lowercase mapping), as code points.
    static func lower(_ text: String) -> [Unicode.Scalar] { Array(text.lowercased().unicodeScalars) }

    /// Python `re`'s `\w` for str patterns: `_`, or a character for which `str.isalnum()` holds
    /// (letters Lu/Ll/Lt/Lm/Lo, or any character with a numeric type).
    static func isWordChar(_ s: Unicode.Scalar) -> Bool {
        if s == "_" { return true }
        if s.isASCII {
            let v = s.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
        }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return true
        default:
            return s.properties.numericType != nil
        }
    }

    /// The code points of `text`: the identity Python's `==` and `Counter` use.
    static func codepoints(_ text: String) -> [UInt32] { text.unicodeScalars.map(\.value) }

    /// True for ASCII '0'...'9' (what `[0-9]` matches in a Python pattern).
    static func isASCIIDigit(_ s: Unicode.Scalar) -> Bool { s.value >= 0x30 && s.value <= 0x39 }

    /// Replaces every non-overlapping occurrence of `pattern` in `text`, scanning left to right
    /// as Python's `str.replace` does.
    static func replace(_ text: [Unicode.Scalar], _ pattern: String, with replacement: String) -> [Unicode.Scalar] {
        let p = Array(pattern.unicodeScalars), r = Array(replacement.unicodeScalars)
        guard !p.isEmpty, text.count >= p.count else { return text }
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        var i = 0
        while i < text.count {
            if i + p.count <= text.count && text[i] == p[0] && Array(text[i..<(i + p.count)]) == p {
                out.append(contentsOf: r)
                i += p.count
            } else {
                out.append(text[i])
                i += 1
            }
        }
        return out
    }
}
