// UnicodeSupport.swift: code point classification the way llama.cpp's unicode.cpp sees it
// (flags from the general category, White_Space, first-code-point lowercase and NFD), the GPT-2
// byte <-> unicode table, and small UTF-8 helpers. Data come from Swift's own Unicode tables,
// so code points added after llama.cpp's table was generated may classify differently.
@_spi(_Unicode) import Swift

/// Category flags of one code point (llama.cpp's `unicode_cpt_flags`).
struct CodepointFlags: OptionSet, Sendable {
    let rawValue: UInt16
    static let undefined = CodepointFlags(rawValue: 1)
    static let number = CodepointFlags(rawValue: 2)        // \p{N}
    static let letter = CodepointFlags(rawValue: 4)        // \p{L}
    static let separator = CodepointFlags(rawValue: 8)     // \p{Z}
    static let accentMark = CodepointFlags(rawValue: 16)   // \p{M}
    static let punctuation = CodepointFlags(rawValue: 32)  // \p{P}
    static let symbol = CodepointFlags(rawValue: 64)       // \p{S}
    static let control = CodepointFlags(rawValue: 128)     // \p{C} (unassigned included)
    static let whitespace = CodepointFlags(rawValue: 256)  // White_Space

    var isLetter: Bool { contains(.letter) }
    var isNumber: Bool { contains(.number) }
    var isWhitespace: Bool { contains(.whitespace) }
    /// Non-empty: llama.cpp uses an all-zero value for "outside the fragment".
    var isSet: Bool { rawValue != 0 }
}

enum UnicodeTables {
    /// Flags of every BMP code point, computed once.
    static let bmpFlags: [CodepointFlags] = {
        var t = [CodepointFlags](repeating: .control, count: 0x10000)
        for c in 0..<0x10000 {
            if let s = Unicode.Scalar(UInt32(c)) { t[c] = computeFlags(s) }
        }
        return t
    }()

    static func computeFlags(_ s: Unicode.Scalar) -> CodepointFlags {
        var f: CodepointFlags
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: f = .letter
        case .nonspacingMark, .spacingMark, .enclosingMark: f = .accentMark
        case .decimalNumber, .letterNumber, .otherNumber: f = .number
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: f = .punctuation
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol: f = .symbol
        case .spaceSeparator, .lineSeparator, .paragraphSeparator: f = .separator
        default: f = .control
        }
        if s.properties.isWhitespace { f.insert(.whitespace) }
        return f
    }

    /// GPT-2's byte -> code point map (printable bytes map to themselves, the rest to 256+n).
    static let byteToScalar: [UInt32] = {
        var map = [UInt32](repeating: 0, count: 256)
        var assigned = [Bool](repeating: false, count: 256)
        for r in [0x21...0x7E, 0xA1...0xAC, 0xAE...0xFF] {
            for b in r { map[b] = UInt32(b); assigned[b] = true }
        }
        var n: UInt32 = 0
        for b in 0..<256 where !assigned[b] { map[b] = 256 + n; n += 1 }
        return map
    }()

    /// UTF-8 bytes of `byteToScalar[b]`, per byte.
    static let byteToUTF8: [[UInt8]] = byteToScalar.map { utf8(of: $0) }

    /// Inverse of `byteToScalar`: code point (< 512) -> byte, or -1.
    static let scalarToByte: [Int16] = {
        var inv = [Int16](repeating: -1, count: 512)
        for (b, c) in byteToScalar.enumerated() { inv[Int(c)] = Int16(b) }
        return inv
    }()
}

/// llama.cpp's `unicode_cpt_flags_from_cpt`.
@inline(__always)
func codepointFlags(_ c: UInt32) -> CodepointFlags {
    if c < 0x10000 { return UnicodeTables.bmpFlags[Int(c)] }
    guard let s = Unicode.Scalar(c) else { return .undefined }
    return UnicodeTables.computeFlags(s)
}

/// First code point of the lowercase mapping (llama.cpp's `unicode_tolower`).
func unicodeToLower(_ c: UInt32) -> UInt32 {
    if c < 0x80 { return (c >= 0x41 && c <= 0x5A) ? c + 32 : c }
    guard let s = Unicode.Scalar(c) else { return c }
    return s.properties.lowercaseMapping.unicodeScalars.first?.value ?? c
}

/// First code point of the NFD decomposition (llama.cpp's `unicode_cpts_normalize_nfd`, which
/// keeps only the base character of a decomposition).
func unicodeNFDFirst(_ c: UInt32) -> UInt32 {
    if c < 0xC0 { return c }
    guard let s = Unicode.Scalar(c) else { return c }
    for x in String(s)._nfd { return x.value }
    return c
}

/// Length of the UTF-8 sequence started by `lead` (llama.cpp's `unicode_len_utf8`).
@inline(__always)
func utf8SequenceLength(_ lead: UInt8) -> Int {
    switch lead >> 4 {
    case 0xC, 0xD: return 2
    case 0xE: return 3
    case 0xF: return 4
    default: return 1
    }
}

/// UTF-8 encoding of one code point.
func utf8(of c: UInt32) -> [UInt8] {
    var out: [UInt8] = []
    appendUTF8(c, to: &out)
    return out
}

@inline(__always)
func appendUTF8(_ c: UInt32, to out: inout [UInt8]) {
    switch c {
    case 0..<0x80: out.append(UInt8(c))
    case 0x80..<0x800:
        out.append(UInt8(0xC0 | (c >> 6))); out.append(UInt8(0x80 | (c & 0x3F)))
    case 0x800..<0x10000:
        out.append(UInt8(0xE0 | (c >> 12))); out.append(UInt8(0x80 | ((c >> 6) & 0x3F)))
        out.append(UInt8(0x80 | (c & 0x3F)))
    default:
        out.append(UInt8(0xF0 | (c >> 18))); out.append(UInt8(0x80 | ((c >> 12) & 0x3F)))
        out.append(UInt8(0x80 | ((c >> 6) & 0x3F))); out.append(UInt8(0x80 | (c & 0x3F)))
    }
}

/// Code points of UTF-8 bytes; invalid sequences become U+FFFD, one per bad byte.
func decodeCodepoints<C: Collection>(_ bytes: C) -> [UInt32] where C.Element == UInt8, C.Index == Int {
    var out: [UInt32] = []
    out.reserveCapacity(bytes.count)
    var i = bytes.startIndex
    let end = bytes.endIndex
    while i < end {
        let b0 = bytes[i]
        if b0 < 0x80 { out.append(UInt32(b0)); i += 1; continue }
        let n = utf8SequenceLength(b0)
        var ok = n > 1 && i + n <= end
        var c = UInt32(b0) & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07)
        if ok {
            for k in 1..<n {
                let b = bytes[i + k]
                if b & 0xC0 != 0x80 { ok = false; break }
                c = (c << 6) | UInt32(b & 0x3F)
            }
        }
        if ok { out.append(c); i += n } else { out.append(0xFFFD); i += 1 }
    }
    return out
}
