// HTMLText.swift: HTML -> text with markdown headings. A small tolerant scanner, not a full HTML5
// parser: comments, <script>, <style>, <head> contents and tags are dropped; block elements give
// line breaks; <h1>..<h6> become "#"-prefixed lines; common named and numeric entities decode.

/// Extracts readable text from HTML.
public enum HTMLText {
    static let blocks: Set<String> = ["p", "div", "br", "li", "ul", "ol", "tr", "table", "section", "article",
                                      "header", "footer", "nav", "blockquote", "pre", "hr", "dd", "dt", "title", "main"]
    static let skipped: Set<String> = ["script", "style", "head", "noscript", "template", "svg"]
    static let entities: [String: String] = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ",
                                             "mdash": "—", "ndash": "–", "hellip": "…", "copy": "©", "rsquo": "’",
                                             "lsquo": "‘", "rdquo": "”", "ldquo": "“", "eacute": "é"]

    /// The text of `html` (see the file header).
    public static func extract(_ html: String) -> String {
        let s = Array(html.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        var skipUntil: String?
        func newline(_ n: Int) { for _ in 0..<n { out.append("\n") } }
        while i < s.count {
            if s[i] == "<" {
                if s[i...].starts(with: "<!--".unicodeScalars) {
                    i = find(s, "-->", from: i + 4).map { $0 + 3 } ?? s.count
                    continue
                }
                guard let close = s[i...].firstIndex(of: ">") else { break }
                let tag = String(String.UnicodeScalarView(s[(i + 1)..<close]))
                i = close + 1
                let isEnd = tag.hasPrefix("/")
                let name = tag.drop { $0 == "/" }.prefix { $0.isLetter || $0.isNumber }.lowercased()
                if let sk = skipUntil {
                    if isEnd && name == sk { skipUntil = nil }
                    continue
                }
                if !isEnd && skipped.contains(name) && !tag.hasSuffix("/") { skipUntil = name; continue }
                if name.count == 2, name.first == "h", let level = Int(String(name.last!)), (1...6).contains(level) {
                    newline(2)
                    if !isEnd { out.append(contentsOf: (String(repeating: "#", count: level) + " ").unicodeScalars) }
                } else if blocks.contains(name) {
                    newline(name == "br" ? 1 : 2)
                }
                continue
            }
            if skipUntil != nil { i += 1; continue }
            if s[i] == "&", let semi = s[i..<min(s.count, i + 12)].firstIndex(of: ";") {
                let ent = String(String.UnicodeScalarView(s[(i + 1)..<semi]))
                if let r = decode(ent) { out.append(contentsOf: r.unicodeScalars); i = semi + 1; continue }
            }
            out.append(s[i])
            i += 1
        }
        return tidy(String(out))
    }

    static func decode(_ ent: String) -> String? {
        if let r = entities[ent] { return r }
        if ent.hasPrefix("#x") || ent.hasPrefix("#X"), let v = UInt32(ent.dropFirst(2), radix: 16), let u = Unicode.Scalar(v) { return String(u) }
        if ent.hasPrefix("#"), let v = UInt32(ent.dropFirst()), let u = Unicode.Scalar(v) { return String(u) }
        return nil
    }

    static func find(_ s: [Unicode.Scalar], _ pat: String, from: Int) -> Int? {
        let p = Array(pat.unicodeScalars)
        var i = from
        while i + p.count <= s.count {
            if Array(s[i..<(i + p.count)]) == p { return i }
            i += 1
        }
        return nil
    }

    /// Collapses runs of spaces within lines and of blank lines (at most one).
    static func tidy(_ text: String) -> String {
        var lines: [String] = []
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).joined(separator: " ")
            if line.isEmpty && (lines.last?.isEmpty ?? true) { continue }
            lines.append(line)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
