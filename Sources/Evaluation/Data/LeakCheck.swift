// LeakCheck.swift: finds examples shared between splits, so a leak cannot inflate scores.
//   exact: equal after normalization (lowercase, Unicode punctuation removed, whitespace collapsed);
//   near:  MinHash over shingles (character 5-grams of the normalized text by default, or word
//          n-grams), LSH banding for candidate pairs, kept when the estimated Jaccard is within
//          0.1 of the threshold, then confirmed by the exact Jaccard of the shingle sets.
// Only pairs from different splits are reported. Deterministic (fixed hash seeds).
import Foundation
import Generation

/// How a text is cut into shingles for near-duplicate detection.
public enum Shingling: Equatable, Sendable, CustomStringConvertible {
    /// Character n-grams of the normalized text (a text shorter than n is one shingle).
    case characters(Int)
    /// Word n-grams of the normalized text (fewer than n words make one shingle).
    case words(Int)

    /// Parses "char:5" or "word:2".
    public init?(_ text: String) {
        let p = text.split(separator: ":")
        guard p.count == 2, let n = Int(p[1]), n >= 1 else { return nil }
        switch p[0] { case "char": self = .characters(n); case "word": self = .words(n); default: return nil }
    }

    public var description: String {
        switch self { case .characters(let n): return "char:\(n)"; case .words(let n): return "word:\(n)" }
    }
}

/// Which text of an example is compared.
public enum LeakField: String, Sendable, CaseIterable {
    case input, target, both
}

/// Options of the leak check.
public struct LeakCheckOptions: Sendable {
    /// Exact-Jaccard threshold from which two items are near duplicates.
    public var threshold = 0.8
    public var shingling = Shingling.characters(5)
    public var field = LeakField.input
    /// MinHash signature length; `bands` must divide it.
    public var permutations = 128
    public var bands = 32
    public init() {}
}

/// One named split to check.
public struct SplitFile: Sendable {
    public var name: String
    public var path: String
    public var examples: [TaskExample]
    public init(name: String, path: String, examples: [TaskExample]) { self.name = name; self.path = path; self.examples = examples }
}

/// Where an item is: split name, file and 1-based line.
public struct ItemLocation: Codable, Equatable, Sendable {
    public var split: String
    public var file: String
    public var line: Int
}

/// Two items of different splits that collide.
public struct Leak: Codable, Equatable, Sendable {
    /// "exact" or "near".
    public var kind: String
    public var first: ItemLocation
    public var second: ItemLocation
    /// Exact Jaccard of the shingle sets (1 for exact duplicates).
    public var jaccard: Double
    public var firstText: String
    public var secondText: String
}

/// The result of a leak check.
public struct LeakReport: Codable, Sendable {
    public struct FileSummary: Codable, Sendable { public var split: String; public var file: String; public var examples: Int }
    public var files: [FileSummary]
    public var threshold: Double
    public var shingling: String
    public var field: String
    public var exactCount: Int
    public var nearCount: Int
    public var leaks: [Leak]
    /// True when any leak was found.
    public var hasLeaks: Bool { !leaks.isEmpty }

    /// A human-readable report, one line per leak.
    public func renderText() -> String {
        var s = files.map { "\($0.split): \($0.file) (\($0.examples) examples)" }.joined(separator: "\n") + "\n"
        for l in leaks {
            let j = l.kind == "exact" ? "exact     " : String(format: "near %.3f", l.jaccard)
            s += "\(j)  \(l.first.split) \(l.first.file):\(l.first.line)  <->  \(l.second.split) \(l.second.file):\(l.second.line)  \(l.firstText.debugDescription) ~ \(l.secondText.debugDescription)\n"
        }
        s += hasLeaks ? "LEAKS: \(exactCount) exact, \(nearCount) near duplicate pairs (field \(field), \(shingling), Jaccard >= \(threshold))\n"
            : "no leaks (field \(field), \(shingling), Jaccard >= \(threshold))\n"
        return s
    }
}

/// The leak check between splits.
public enum LeakChecker {
    /// Lowercase, Unicode punctuation removed, whitespace collapsed to single spaces.
    public static func normalize(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        for s in text.lowercased().unicodeScalars {
            if s.properties.isWhitespace { pendingSpace = !out.isEmpty; continue }
            switch s.properties.generalCategory {
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                 .initialPunctuation, .finalPunctuation, .otherPunctuation: continue
            default: break
            }
            if pendingSpace { out.append(" "); pendingSpace = false }
            out.append(s)
        }
        return String(out)
    }

    /// 64-bit hashes of the shingles of an already normalized text.
    public static func shingles(_ normalized: String, _ shingling: Shingling) -> Set<UInt64> {
        var set = Set<UInt64>()
        switch shingling {
        case .characters(let n):
            let c = Array(normalized)
            if c.isEmpty { return set }
            if c.count <= n { set.insert(fnv1a(String(c))); return set }
            for i in 0...(c.count - n) { set.insert(fnv1a(String(c[i..<(i + n)]))) }
        case .words(let n):
            let w = normalized.split(separator: " ").map(String.init)
            if w.isEmpty { return set }
            if w.count <= n { set.insert(fnv1a(w.joined(separator: " "))); return set }
            for i in 0...(w.count - n) { set.insert(fnv1a(w[i..<(i + n)].joined(separator: " "))) }
        }
        return set
    }

    /// |A ∩ B| / |A ∪ B| (0 when both are empty).
    public static func jaccard(_ a: Set<UInt64>, _ b: Set<UInt64>) -> Double {
        let u = a.union(b).count
        return u == 0 ? 0 : Double(a.intersection(b).count) / Double(u)
    }

    /// MinHash signature: for each of `count` seeded mixes, the minimum over the shingles.
    public static func signature(_ shingles: Set<UInt64>, count: Int) -> [UInt64] {
        var sig = [UInt64](repeating: .max, count: count)
        for h in shingles {
            for k in 0..<count {
                var g = SplitMix64(seed: h ^ (UInt64(k) &* 0x9E37_79B9_7F4A_7C15))
                let v = g.next()
                if v < sig[k] { sig[k] = v }
            }
        }
        return sig
    }

    static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    private static func text(_ e: TaskExample, _ f: LeakField) -> String {
        switch f { case .input: return e.input; case .target: return e.target; case .both: return e.input + "\n" + e.target }
    }

    /// Checks every pair of items from different splits.
    public static func check(_ splits: [SplitFile], options: LeakCheckOptions = LeakCheckOptions()) -> LeakReport {
        struct Item { var split: Int; var ex: TaskExample; var norm: String; var sh: Set<UInt64>; var sig: [UInt64] }
        let perms = max(1, options.permutations), bands = max(1, min(options.bands, perms))
        let rows = perms / bands
        var items: [Item] = []
        for (si, s) in splits.enumerated() {
            for e in s.examples {
                let norm = normalize(text(e, options.field))
                let sh = shingles(norm, options.shingling)
                items.append(Item(split: si, ex: e, norm: norm, sh: sh, sig: signature(sh, count: rows * bands)))
            }
        }
        func loc(_ i: Item) -> ItemLocation { ItemLocation(split: splits[i.split].name, file: splits[i.split].path, line: i.ex.line) }
        func leak(_ kind: String, _ a: Int, _ b: Int, _ j: Double) -> Leak {
            let (x, y) = a < b ? (items[a], items[b]) : (items[b], items[a])
            return Leak(kind: kind, first: loc(x), second: loc(y), jaccard: j, firstText: text(x.ex, options.field), secondText: text(y.ex, options.field))
        }
        var leaks: [Leak] = []
        var exactPairs = Set<[Int]>()
        // exact duplicates after normalization
        var byNorm: [String: [Int]] = [:]
        for (i, it) in items.enumerated() { byNorm[it.norm, default: []].append(i) }
        for (_, idx) in byNorm where idx.count > 1 {
            for a in 0..<idx.count { for b in (a + 1)..<idx.count where items[idx[a]].split != items[idx[b]].split {
                exactPairs.insert([idx[a], idx[b]])
                leaks.append(leak("exact", idx[a], idx[b], 1))
            } }
        }
        let exactCount = leaks.count
        // near duplicates: LSH buckets -> estimated Jaccard -> exact Jaccard
        var candidates = Set<[Int]>()
        for band in 0..<bands {
            var buckets: [[UInt64]: [Int]] = [:]
            for (i, it) in items.enumerated() where !it.sh.isEmpty {
                buckets[Array(it.sig[(band * rows)..<((band + 1) * rows)]), default: []].append(i)
            }
            for (_, idx) in buckets where idx.count > 1 {
                for a in 0..<idx.count { for b in (a + 1)..<idx.count where items[idx[a]].split != items[idx[b]].split {
                    candidates.insert([idx[a], idx[b]])
                } }
            }
        }
        var near: [Leak] = []
        for pair in candidates where !exactPairs.contains(pair) {
            let x = items[pair[0]], y = items[pair[1]]
            let est = Double(zip(x.sig, y.sig).filter { $0 == $1 }.count) / Double(x.sig.count)
            guard est >= options.threshold - 0.1 else { continue }
            let j = jaccard(x.sh, y.sh)
            if j >= options.threshold { near.append(leak("near", pair[0], pair[1], j)) }
        }
        leaks += near
        leaks.sort { ($0.first.split, $0.first.line, $0.second.split, $0.second.line) < ($1.first.split, $1.first.line, $1.second.split, $1.second.line) }
        return LeakReport(files: splits.map { .init(split: $0.name, file: $0.path, examples: $0.examples.count) },
                          threshold: options.threshold, shingling: options.shingling.description, field: options.field.rawValue,
                          exactCount: exactCount, nearCount: near.count, leaks: leaks)
    }
}
