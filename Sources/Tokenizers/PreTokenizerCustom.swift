// PreTokenizerCustom.swift: the hand-written GPT-2 and Llama-3 pre-tokenizer matchers, line for
// line the logic of llama.cpp's unicode_regex_split_custom_gpt2 / _llama3 (which reproduce the
// regexes below, including their treatment of fragment ends). Inputs are code points, their
// flags and the current fragment lengths; outputs are the new fragment lengths.

private let outOfRange: UInt32 = 0xFFFF_FFFF

private func isContractionTail(_ a: UInt32) -> Bool { a == 0x73 || a == 0x74 || a == 0x6D || a == 0x64 } // s t m d
private func isContractionTail2(_ a: UInt32, _ b: UInt32) -> Bool {
    (a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6C && b == 0x6C) // re ve ll
}

/// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)
func splitGPT2(_ cpts: [UInt32], _ flags: [CodepointFlags], _ offsets: [Int]) -> [Int] {
    var out: [Int] = []
    out.reserveCapacity(cpts.count / 3 + offsets.count)
    var start = 0
    for len in offsets {
        let ini = start, end = start + len
        start = end
        @inline(__always) func cpt(_ p: Int) -> UInt32 { p >= ini && p < end ? cpts[p] : outOfRange }
        @inline(__always) func fl(_ p: Int) -> CodepointFlags { p >= ini && p < end ? flags[p] : [] }
        var prevEnd = ini
        @inline(__always) func add(_ e: Int) -> Int {
            let l = e - prevEnd
            if l > 0 { out.append(l) }
            prevEnd = e
            return l
        }
        var pos = ini
        while pos < end {
            let c = cpt(pos)
            let f = fl(pos)
            if c == 0x27 && pos + 1 < end {
                let n = cpt(pos + 1)
                if isContractionTail(n) { pos += add(pos + 2); continue }
                if pos + 2 < end && isContractionTail2(n, cpt(pos + 2)) { pos += add(pos + 3); continue }
            }
            var f2 = c == 0x20 ? fl(pos + 1) : f
            if f2.isLetter {
                if c == 0x20 { pos += 1 }
                while f2.isLetter { pos += 1; f2 = fl(pos) }
                _ = add(pos); continue
            }
            if f2.isNumber {
                if c == 0x20 { pos += 1 }
                while f2.isNumber { pos += 1; f2 = fl(pos) }
                _ = add(pos); continue
            }
            if !(f2.isWhitespace || f2.isLetter || f2.isNumber) && f2.isSet {
                if c == 0x20 { pos += 1 }
                while !(f2.isWhitespace || f2.isLetter || f2.isNumber) && f2.isSet { pos += 1; f2 = fl(pos) }
                _ = add(pos); continue
            }
            var nws = 0
            while fl(pos + nws).isWhitespace { nws += 1 }
            if nws > 1 && cpt(pos + nws) != outOfRange { pos += nws - 1; _ = add(pos); continue }
            if nws > 0 { pos += nws; _ = add(pos); continue }
            pos += 1
            _ = add(pos)
        }
    }
    return out
}

/// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
func splitLlama3(_ cpts: [UInt32], _ flags: [CodepointFlags], _ offsets: [Int]) -> [Int] {
    var out: [Int] = []
    out.reserveCapacity(cpts.count / 3 + offsets.count)
    var start = 0
    for len in offsets {
        let ini = start, end = start + len
        start = end
        @inline(__always) func cpt(_ p: Int) -> UInt32 { p >= ini && p < end ? cpts[p] : outOfRange }
        @inline(__always) func fl(_ p: Int) -> CodepointFlags { p >= ini && p < end ? flags[p] : [] }
        var prevEnd = ini
        @inline(__always) func add(_ e: Int) -> Int {
            let l = e - prevEnd
            if l > 0 { out.append(l) }
            prevEnd = e
            return l
        }
        var pos = ini
        while pos < end {
            let c = cpt(pos)
            let f = fl(pos)
            if c == 0x27 && pos + 1 < end {
                let n = unicodeToLower(cpt(pos + 1))
                if isContractionTail(n) { pos += add(pos + 2); continue }
                if pos + 2 < end && isContractionTail2(n, unicodeToLower(cpt(pos + 2))) {
                    pos += add(pos + 3); continue
                }
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !(c == 0x0D || c == 0x0A || f.isNumber) {
                if f.isLetter || fl(pos + 1).isLetter {
                    pos += 1
                    while fl(pos).isLetter { pos += 1 }
                    _ = add(pos); continue
                }
            }
            // \p{N}{1,3}
            if f.isNumber {
                var i0 = pos
                while fl(pos).isNumber {
                    pos += 1
                    if pos - i0 >= 3 { _ = add(pos); i0 = pos }
                }
                _ = add(pos); continue
            }
            // <space>?[^\s\p{L}\p{N}]+[\r\n]*
            var f2 = c == 0x20 ? fl(pos + 1) : f
            if !(f2.isWhitespace || f2.isLetter || f2.isNumber) && f.isSet {
                if c == 0x20 { pos += 1 }
                while !(f2.isWhitespace || f2.isLetter || f2.isNumber) && f2.isSet { pos += 1; f2 = fl(pos) }
                var c2 = cpt(pos)
                while c2 == 0x0D || c2 == 0x0A { pos += 1; c2 = cpt(pos) }
                _ = add(pos); continue
            }
            var nws = 0
            var lastRN = 0
            while fl(pos + nws).isWhitespace {
                let c2 = cpt(pos + nws)
                if c2 == 0x0D || c2 == 0x0A { lastRN = pos + nws + 1 }
                nws += 1
            }
            if lastRN > 0 { pos = lastRN; _ = add(pos); continue }
            if nws > 1 && cpt(pos + nws) != outOfRange { pos += nws - 1; _ = add(pos); continue }
            if nws > 0 { pos += nws; _ = add(pos); continue }
            pos += 1
            _ = add(pos)
        }
    }
    return out
}

/// llama.cpp's unicode_regex_split_custom_afmoe, used for `\p{AFMoE_digits}` and for tiny_aya's
/// `\d{1,3}(?=(?:\d{3})*\b)`: each run of \p{N} is cut into groups of three from the right.
/// As in llama.cpp, text before a run is not cut off: it joins the run's first group.
func splitDigitGroups(_ cpts: [UInt32], _ flags: [CodepointFlags], _ offsets: [Int]) -> [Int] {
    var out: [Int] = []
    var start = 0
    for len in offsets {
        let ini = start, end = start + len
        start = end
        var prevEnd = ini
        func add(_ e: Int) {
            if e > prevEnd { out.append(e - prevEnd) }
            prevEnd = e
        }
        var pos = ini
        while pos < end {
            if flags[pos].isNumber {
                let first = pos
                while pos < end && flags[pos].isNumber { pos += 1 }
                let count = pos - first
                var cur = first
                let rem = count % 3
                if rem > 0 { add(cur + rem); cur += rem }
                while cur < first + count { add(cur + 3); cur += 3 }
                continue
            }
            pos += 1
        }
        if prevEnd < end { add(end) }
    }
    return out
}

/// CJK ideograph ranges (llama.cpp's unicode_cpt_is_han).
func isHan(_ c: UInt32) -> Bool {
    (0x4E00...0x9FFF).contains(c) || (0x3400...0x4DBF).contains(c) || (0x20000...0x2A6DF).contains(c)
        || (0x2A700...0x2B73F).contains(c) || (0x2B740...0x2B81F).contains(c) || (0x2B820...0x2CEAF).contains(c)
        || (0x2CEB0...0x2EBEF).contains(c) || (0xF900...0xFAFF).contains(c) || (0x2F800...0x2FA1F).contains(c)
}

/// Kimi-K2 (llama.cpp's unicode_regex_split_custom_kimi_k2): [\p{Han}]+ | letter runs without Han
/// with an optional leading non-letter and contraction | \p{N}{1,3} | punctuation | whitespace.
func splitKimiK2(_ cpts: [UInt32], _ flags: [CodepointFlags], _ offsets: [Int]) -> [Int] {
    var out: [Int] = []
    var start = 0
    for len in offsets {
        let ini = start, end = start + len
        start = end
        func cpt(_ p: Int) -> UInt32 { p >= ini && p < end ? cpts[p] : outOfRange }
        func fl(_ p: Int) -> CodepointFlags { p >= ini && p < end ? flags[p] : [] }
        func letterNotHan(_ p: Int) -> Bool { fl(p).isLetter && !isHan(cpt(p)) }
        var prevEnd = ini
        func add(_ e: Int) { if e > prevEnd { out.append(e - prevEnd) }; prevEnd = e }
        var pos = ini
        while pos < end {
            let c = cpt(pos), f = fl(pos)
            if isHan(c) {
                while isHan(cpt(pos)) { pos += 1 }
                add(pos); continue
            }
            let leadable = !(c == 0x0D || c == 0x0A || f.isLetter || f.isNumber)
            if (f.isLetter && !isHan(c)) || (leadable && letterNotHan(pos + 1)) {
                var hasLead = false
                if leadable { hasLead = true; pos += 1 }
                var hasLetters = false
                while letterNotHan(pos) { hasLetters = true; pos += 1 }
                if hasLetters || (!hasLead && letterNotHan(pos)) {
                    if !hasLetters { pos += 1 }
                    while letterNotHan(pos) { pos += 1 }
                    if cpt(pos) == 0x27 && pos + 1 < end {
                        let n = unicodeToLower(cpt(pos + 1))
                        if isContractionTail(n) { pos += 2 }
                        else if pos + 2 < end && isContractionTail2(n, unicodeToLower(cpt(pos + 2))) { pos += 3 }
                    }
                    add(pos); continue
                } else if hasLead {
                    pos -= 1
                }
            }
            if f.isNumber {
                var i0 = pos
                while fl(pos).isNumber {
                    pos += 1
                    if pos - i0 >= 3 { add(pos); i0 = pos }
                }
                add(pos); continue
            }
            var f2 = c == 0x20 ? fl(pos + 1) : f
            if !(f2.isWhitespace || f2.isLetter || f2.isNumber) && f2.isSet {
                if c == 0x20 { pos += 1 }
                while !(f2.isWhitespace || f2.isLetter || f2.isNumber) && f2.isSet { pos += 1; f2 = fl(pos) }
                var c2 = cpt(pos)
                while c2 == 0x0D || c2 == 0x0A { pos += 1; c2 = cpt(pos) }
                add(pos); continue
            }
            var nws = 0, lastRN = 0
            while fl(pos + nws).isWhitespace {
                let c2 = cpt(pos + nws)
                if c2 == 0x0D || c2 == 0x0A { lastRN = pos + nws + 1 }
                nws += 1
            }
            if lastRN > 0 { pos = lastRN; add(pos); continue }
            if nws > 1 && cpt(pos + nws) != outOfRange { pos += nws - 1; add(pos); continue }
            if nws > 0 { pos += nws; add(pos); continue }
            pos += 1
            add(pos)
        }
    }
    return out
}
