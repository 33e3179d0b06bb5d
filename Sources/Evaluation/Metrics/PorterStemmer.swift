// PorterStemmer.swift: NLTK's PorterStemmer in its default NLTK_EXTENSIONS mode (nltk 3.x
// nltk/stem/porter.py), which rouge-score uses for `use_stemmer=True`. A line-by-line port of
// Porter (1980) "An algorithm for suffix stripping" plus NLTK's departures (irregular-form pool,
// 'ies'/'ied' on 4-letter words, step 1c's consonant condition, 'fulli'/'logi' in step 2, cvc on
// 2-letter stems). Works on lowercase ASCII, which is all rouge-score's tokenizer ever hands it.

/// NLTK's Porter stemmer (NLTK_EXTENSIONS mode).
public enum PorterStemmer {
    private static let pool: [String: String] = [
        "sky": "sky", "skies": "sky", "dying": "die", "lying": "lie", "tying": "tie", "news": "news",
        "innings": "inning", "inning": "inning", "outings": "outing", "outing": "outing",
        "cannings": "canning", "canning": "canning", "howe": "howe", "proceed": "proceed",
        "exceed": "exceed", "succeed": "succeed",
    ]

    /// The stem of a lowercase word.
    public static func stem(_ word: String) -> String {
        let w = word.lowercased()
        if let p = pool[w] { return p }
        if w.count <= 2 { return w }
        var s = Array(w.utf8)
        s = step1a(s); s = step1b(s); s = step1c(s); s = step2(s)
        s = step3(s); s = step4(s); s = step5a(s); s = step5b(s)
        return String(decoding: s, as: UTF8.self)
    }

    typealias Word = [UInt8]
    private static func isVowel(_ c: UInt8) -> Bool { c == 97 || c == 101 || c == 105 || c == 111 || c == 117 }
    private static let y: UInt8 = 121

    static func isConsonant(_ w: Word, _ index: Int) -> Bool {
        var i = index
        if isVowel(w[i]) { return false }
        if w[i] == y {
            var negate = false
            while i > 0 && w[i] == y { negate.toggle(); i -= 1 }
            return (!isVowel(w[i])) != negate
        }
        return true
    }

    static func consonantFlags(_ w: Word) -> [Bool] {
        var f: [Bool] = []
        for (i, c) in w.enumerated() {
            if isVowel(c) { f.append(false) } else if c == y { f.append(i == 0 ? true : !f[i - 1]) } else { f.append(true) }
        }
        return f
    }

    /// m in [C](VC)^m[V]: the number of "vc" transitions.
    static func measure(_ w: Word) -> Int {
        let f = consonantFlags(w)
        var m = 0
        if f.count >= 2 { for i in 1..<f.count where !f[i - 1] && f[i] { m += 1 } }
        return m
    }

    static func containsVowel(_ w: Word) -> Bool { consonantFlags(w).contains(false) }
    static func positive(_ w: Word) -> Bool { measure(w) > 0 }

    static func endsDoubleConsonant(_ w: Word) -> Bool {
        w.count >= 2 && w[w.count - 1] == w[w.count - 2] && isConsonant(w, w.count - 1)
    }

    static func endsCVC(_ w: Word) -> Bool {
        let n = w.count
        if n >= 3 && isConsonant(w, n - 3) && !isConsonant(w, n - 2) && isConsonant(w, n - 1)
            && !"wxy".utf8.contains(w[n - 1]) { return true }
        return n == 2 && !isConsonant(w, 0) && isConsonant(w, 1)
    }

    static func ends(_ w: Word, _ suffix: String) -> Bool {
        let s = Array(suffix.utf8)
        return w.count >= s.count && Array(w[(w.count - s.count)...]) == s
    }

    static func drop(_ w: Word, _ suffix: String) -> Word { Array(w[0..<(w.count - suffix.utf8.count)]) }

    struct Rule {
        var suffix: String
        var replacement: String
        var condition: ((Word) -> Bool)?
        init(_ s: String, _ r: String, _ c: ((Word) -> Bool)? = nil) { suffix = s; replacement = r; condition = c }
    }

    /// NLTK's `_apply_rule_list`: the first rule whose suffix matches decides ("*d" = double consonant).
    static func apply(_ w: Word, _ rules: [Rule]) -> Word {
        for r in rules {
            if r.suffix == "*d" && endsDoubleConsonant(w) {
                let stem = Array(w.dropLast(2))
                return r.condition?(stem) ?? true ? stem + Array(r.replacement.utf8) : w
            }
            if ends(w, r.suffix) {
                let stem = drop(w, r.suffix)
                return r.condition?(stem) ?? true ? stem + Array(r.replacement.utf8) : w
            }
        }
        return w
    }

    static func step1a(_ w: Word) -> Word {
        if ends(w, "ies") && w.count == 4 { return drop(w, "ies") + Array("ie".utf8) }
        return apply(w, [Rule("sses", "ss"), Rule("ies", "i"), Rule("ss", "ss"), Rule("s", "")])
    }

    static func step1b(_ w: Word) -> Word {
        if ends(w, "ied") { return drop(w, "ied") + Array((w.count == 4 ? "ie" : "i").utf8) }
        if ends(w, "eed") {
            let stem = drop(w, "eed")
            return measure(stem) > 0 ? stem + Array("ee".utf8) : w
        }
        var inter: Word? = nil
        for suffix in ["ed", "ing"] where ends(w, suffix) {
            let s = drop(w, suffix)
            if containsVowel(s) { inter = s; break }
        }
        guard let st = inter else { return w }
        let last = st.last.map { String(UnicodeScalar($0)) } ?? ""
        return apply(st, [
            Rule("at", "ate"), Rule("bl", "ble"), Rule("iz", "ize"),
            Rule("*d", last) { _ in !["l", "s", "z"].contains(last) },
            Rule("", "e") { measure($0) == 1 && endsCVC($0) },
        ])
    }

    static func step1c(_ w: Word) -> Word {
        apply(w, [Rule("y", "i") { $0.count > 1 && isConsonant($0, $0.count - 1) }])
    }

    static func step2(_ w: Word) -> Word {
        if ends(w, "alli") && positive(drop(w, "alli")) { return step2(drop(w, "alli") + Array("al".utf8)) }
        let p: (Word) -> Bool = positive
        let rules: [Rule] = [
            Rule("ational", "ate", p), Rule("tional", "tion", p), Rule("enci", "ence", p), Rule("anci", "ance", p),
            Rule("izer", "ize", p), Rule("bli", "ble", p), Rule("alli", "al", p), Rule("entli", "ent", p),
            Rule("eli", "e", p), Rule("ousli", "ous", p), Rule("ization", "ize", p), Rule("ation", "ate", p),
            Rule("ator", "ate", p), Rule("alism", "al", p), Rule("iveness", "ive", p), Rule("fulness", "ful", p),
            Rule("ousness", "ous", p), Rule("aliti", "al", p), Rule("iviti", "ive", p), Rule("biliti", "ble", p),
            Rule("fulli", "ful", p), Rule("logi", "log") { _ in positive(Array(w.dropLast(3))) },
        ]
        return apply(w, rules)
    }

    static func step3(_ w: Word) -> Word {
        let p: (Word) -> Bool = positive
        return apply(w, [Rule("icate", "ic", p), Rule("ative", "", p), Rule("alize", "al", p), Rule("iciti", "ic", p),
                         Rule("ical", "ic", p), Rule("ful", "", p), Rule("ness", "", p)])
    }

    static func step4(_ w: Word) -> Word {
        let g: (Word) -> Bool = { measure($0) > 1 }
        let rules = ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent"].map { Rule($0, "", g) }
            + [Rule("ion", "") { measure($0) > 1 && ($0.last == 115 || $0.last == 116) }]
            + ["ou", "ism", "ate", "iti", "ous", "ive", "ize"].map { Rule($0, "", g) }
        return apply(w, rules)
    }

    static func step5a(_ w: Word) -> Word {
        guard ends(w, "e") else { return w }
        let stem = drop(w, "e")
        let m = measure(stem)
        if m > 1 || (m == 1 && !endsCVC(stem)) { return stem }
        return w
    }

    static func step5b(_ w: Word) -> Word {
        apply(w, [Rule("ll", "l") { _ in measure(Array(w.dropLast())) > 1 }])
    }
}
