// AnswerExtractor.swift: parses a model's reply into an answer, as a pipeline of steps:
//   firstLine     the first non-empty line, trimmed
//   firstMatch    the first match of a regular expression (its first capture group if any);
//   lastMatch     the last match (chain of thought ends with the answer); no match passes the text on
//   choice        the allowed label the text names: an exact (case-insensitive, punctuation-trimmed)
//                 match, else the label mentioned first (or last) as a whole word; no mention
//                 leaves the normalized first line, which then scores as wrong.
import Foundation

/// A configurable answer parser.
public struct AnswerExtractor: Sendable {
    /// One parsing step.
    public enum Step: Sendable, Equatable {
        case firstLine
        case firstMatch(pattern: String)
        case lastMatch(pattern: String)
        case choice(labels: [String], preferLast: Bool)
    }

    public var steps: [Step]

    public init(_ steps: [Step]) { self.steps = steps }

    /// First line only.
    public static let firstLine = AnswerExtractor([.firstLine])

    /// Runs the steps in order on `reply`.
    public func extract(_ reply: String) -> String {
        var text = reply
        for step in steps {
            switch step {
            case .firstLine: text = AnswerExtractor.firstLine(of: text)
            case .firstMatch(let p): text = AnswerExtractor.match(p, in: text, last: false) ?? text
            case .lastMatch(let p): text = AnswerExtractor.match(p, in: text, last: true) ?? text
            case .choice(let labels, let preferLast): text = AnswerExtractor.choose(labels, in: text, preferLast: preferLast)
            }
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The first line with visible text, trimmed.
    public static func firstLine(of text: String) -> String {
        for line in text.split(whereSeparator: \.isNewline) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if !t.isEmpty { return t }
        }
        return ""
    }

    /// The first or last match of `pattern` (capture group 1 when the pattern has one); nil for
    /// no match or an invalid pattern.
    public static func match(_ pattern: String, in text: String, last: Bool) -> String? {
        guard let re = try? NSRegularExpression(pattern: pattern) else { return nil }
        let ns = text as NSString
        let all = re.matches(in: text, range: NSRange(location: 0, length: ns.length))
        guard let m = last ? all.last : all.first else { return nil }
        let r = m.numberOfRanges > 1 && m.range(at: 1).location != NSNotFound ? m.range(at: 1) : m.range
        return ns.substring(with: r)
    }

    /// The label `text` names; see the file header.
    public static func choose(_ labels: [String], in text: String, preferLast: Bool) -> String {
        let line = normalize(firstLine(of: text))
        if let exact = labels.first(where: { normalize($0) == line }) { return exact }
        let hay = text.lowercased()
        var best: (label: String, position: Int, length: Int)?
        for label in labels {
            let needle = label.lowercased()
            guard !needle.isEmpty else { continue }
            var searchStart = hay.startIndex
            while let r = hay.range(of: needle, range: searchStart..<hay.endIndex) {
                let before = r.lowerBound == hay.startIndex ? nil : hay[hay.index(before: r.lowerBound)]
                let after = r.upperBound == hay.endIndex ? nil : hay[r.upperBound]
                if !isWordCharacter(before), !isWordCharacter(after) {
                    let pos = hay.distance(from: hay.startIndex, to: r.lowerBound)
                    let better: Bool
                    if let b = best {
                        better = preferLast ? pos > b.position || (pos == b.position && needle.count > b.length)
                                            : pos < b.position || (pos == b.position && needle.count > b.length)
                    } else { better = true }
                    if better { best = (label, pos, needle.count) }
                    if !preferLast { break }
                }
                searchStart = r.upperBound
            }
        }
        return best?.label ?? line
    }

    /// Lowercased, trimmed of spaces and of surrounding punctuation and markdown (`**drupe**.`).
    public static func normalize(_ s: String) -> String {
        let junk = CharacterSet.whitespacesAndNewlines.union(.punctuationCharacters).union(.symbols)
        return s.lowercased().trimmingCharacters(in: junk)
    }

    private static func isWordCharacter(_ c: Character?) -> Bool {
        guard let c else { return false }
        return c.isLetter || c.isNumber || c == "_"
    }
}
