// HyperparameterSearch.swift: the pure part of `tailor finetune --search`: the search space
// ("lr=1e-4,3e-4 rank=4,8,16", parsed against a table of searchable keys and their value kinds),
// its enumeration (grid: every combination, in mixed-radix order with the last key fastest;
// random: N distinct combinations drawn under a seed), and the results table (markdown sorted by
// validation loss, and JSON). Running the trials is the caller's job (the CLI trains each one).
import Foundation
import Generation

/// What values a searchable key takes.
public enum SearchValueKind: Equatable, Sendable {
    case integer
    case real
    /// One of these words.
    case choice([String])
    /// true or false.
    case flag
    /// Any non-empty text.
    case text
}

/// A bad --search specification.
public struct SearchError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ message: String) { description = message }
}

/// One searched key and the values it takes, as the user wrote them.
public struct SearchDimension: Codable, Equatable, Sendable {
    public var key: String
    public var values: [String]
    public init(key: String, values: [String]) { self.key = key; self.values = values }
}

/// One configuration of the space: a value per dimension (same order as the dimensions).
public struct SearchPoint: Codable, Equatable, Hashable, Sendable {
    public var values: [String]
    public init(values: [String]) { self.values = values }
}

/// The space of a search: the product of its dimensions.
public struct SearchSpace: Codable, Equatable, Sendable {
    public var dimensions: [SearchDimension]

    public init(dimensions: [SearchDimension]) { self.dimensions = dimensions }

    /// "weight_decay", "--weight-decay" and "Weight-Decay" all name the key "weight-decay".
    public static func normalize(_ key: String) -> String {
        var k = key.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "_", with: "-")
        while k.hasPrefix("-") { k.removeFirst() }
        return k
    }

    /// Parses specifications such as "lr=1e-4,3e-4" against the searchable `keys` (normalized
    /// names); errors name the specification, the key and the value at fault.
    public init(parsing specs: [String], keys: [String: SearchValueKind]) throws {
        guard !specs.isEmpty else { throw SearchError("--search needs at least one KEY=V1,V2,... (searchable: \(keys.keys.sorted().joined(separator: ", ")))") }
        var dims: [SearchDimension] = []
        for spec in specs {
            let kv = spec.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard kv.count == 2, !kv[0].trimmingCharacters(in: .whitespaces).isEmpty else {
                throw SearchError("--search '\(spec)': expected KEY=V1,V2,... (e.g. lr=1e-4,3e-4)")
            }
            let key = Self.normalize(kv[0])
            guard let kind = keys[key] else {
                throw SearchError("--search '\(spec)': unknown key '\(kv[0])' (searchable: \(keys.keys.sorted().joined(separator: ", ")))")
            }
            guard !dims.contains(where: { $0.key == key }) else { throw SearchError("--search: key '\(key)' is given twice") }
            let values = kv[1].split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            var seen = Set<String>()
            for v in values {
                guard !v.isEmpty else { throw SearchError("--search '\(spec)': empty value for '\(key)'") }
                if let problem = Self.problem(v, kind) { throw SearchError("--search '\(spec)': '\(v)' \(problem)") }
                guard seen.insert(v).inserted else { throw SearchError("--search '\(spec)': value '\(v)' is repeated") }
            }
            dims.append(SearchDimension(key: key, values: values))
        }
        dimensions = dims
    }

    static func problem(_ v: String, _ kind: SearchValueKind) -> String? {
        switch kind {
        case .integer: return Int(v) == nil ? "is not an integer" : nil
        case .real: return Double(v).map { $0.isFinite } == true ? nil : "is not a number"
        case .choice(let words): return words.contains(v) ? nil : "is not one of \(words.joined(separator: ", "))"
        case .flag: return ["true", "false"].contains(v) ? nil : "is not true or false"
        case .text: return nil
        }
    }

    /// Number of combinations (nil if it does not fit in an Int).
    public var gridSize: Int? {
        var n = 1
        for d in dimensions {
            let (p, o) = n.multipliedReportingOverflow(by: d.values.count)
            if o { return nil }
            n = p
        }
        return n
    }

    /// The combination at `index` of the grid (mixed radix, the last dimension varies fastest).
    public func point(at index: Int) -> SearchPoint {
        var rest = index
        var values = [String](repeating: "", count: dimensions.count)
        for (i, d) in dimensions.enumerated().reversed() {
            values[i] = d.values[rest % d.values.count]
            rest /= d.values.count
        }
        return SearchPoint(values: values)
    }

    /// Every combination, in grid order.
    public func grid() throws -> [SearchPoint] {
        guard let n = gridSize, n <= 100_000 else { throw SearchError("--search: the grid has more than 100000 combinations; use --search-mode random --trials N") }
        return (0..<n).map(point(at:))
    }

    /// `trials` distinct combinations drawn uniformly under `seed` (all of them, in a seeded
    /// order, when `trials` is at least the grid size).
    public func random(trials: Int, seed: UInt64) -> [SearchPoint] {
        var rng = SplitMix64(seed: seed ^ 0x5EA2_C4D1_7A11_0000)
        guard let n = gridSize else {
            // astronomically many combinations: independent draws per dimension (repeats are negligible)
            var out: [SearchPoint] = [], seen = Set<SearchPoint>()
            while out.count < trials {
                let p = SearchPoint(values: dimensions.map { $0.values[Int(rng.next() % UInt64($0.values.count))] })
                if seen.insert(p).inserted { out.append(p) }
            }
            return out
        }
        if trials >= n {
            var perm = Array(0..<n)
            for i in stride(from: n - 1, through: 1, by: -1) { perm.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            return perm.map(point(at:))
        }
        var chosen: [Int] = [], seen = Set<Int>()
        while chosen.count < trials {
            let i = Int(rng.next() % UInt64(n))
            if seen.insert(i).inserted { chosen.append(i) }
        }
        return chosen.map(point(at:))
    }

    /// "lr=3e-4 rank=8".
    public func describe(_ p: SearchPoint) -> String {
        zip(dimensions, p.values).map { "\($0.key)=\($1)" }.joined(separator: " ")
    }
}

/// The outcome of one trial.
public struct TrialResult: Codable, Equatable, Sendable {
    /// 1-based trial number (its folder is trials/NNN).
    public var trial: Int
    /// Value per searched key.
    public var values: [String: String]
    /// Best validation loss of the trial (nil if none was computed or it was not finite).
    public var validationLoss: Double?
    /// Last training loss.
    public var trainLoss: Double?
    public var steps: Int
    public var seconds: Double
    public var directory: String

    public init(trial: Int, values: [String: String], validationLoss: Double?, trainLoss: Double?, steps: Int, seconds: Double, directory: String) {
        self.trial = trial; self.values = values
        self.validationLoss = validationLoss.flatMap { $0.isFinite ? $0 : nil }
        self.trainLoss = trainLoss.flatMap { $0.isFinite ? $0 : nil }
        self.steps = steps; self.seconds = seconds; self.directory = directory
    }

    enum CodingKeys: String, CodingKey {
        case trial, values, validationLoss = "val_loss", trainLoss = "train_loss", steps, seconds, directory
    }
}

/// The results of a search: the markdown and JSON tables.
public struct SearchReport: Codable, Equatable, Sendable {
    /// "grid" or "random".
    public var mode: String
    /// What each trial trained for, e.g. "20 steps" or "1 epoch".
    public var budget: String
    public var dimensions: [SearchDimension]
    public var trials: [TrialResult]

    public init(mode: String, budget: String, dimensions: [SearchDimension], trials: [TrialResult]) {
        self.mode = mode; self.budget = budget; self.dimensions = dimensions; self.trials = trials
    }

    /// Trials by validation loss (lowest first; trials without one last), ties by trial number.
    public var ranked: [TrialResult] {
        trials.sorted { a, b in
            switch (a.validationLoss, b.validationLoss) {
            case let (x?, y?): return x != y ? x < y : a.trial < b.trial
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a.trial < b.trial
            }
        }
    }

    /// The trial with the lowest validation loss.
    public var best: TrialResult? { ranked.first.flatMap { $0.validationLoss != nil ? $0 : nil } }

    /// The markdown table (sorted by validation loss).
    public func markdown() -> String {
        func f(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "n/a" }
        let keys = dimensions.map(\.key)
        var s = "| trial | " + keys.joined(separator: " | ") + (keys.isEmpty ? "" : " | ") + "val loss | train loss | steps | seconds |\n"
        s += "|" + String(repeating: "---:|", count: keys.count + 5) + "\n"
        for t in ranked {
            let cells = [String(format: "%03d", t.trial)] + keys.map { t.values[$0] ?? "" }
                + [f(t.validationLoss), f(t.trainLoss), String(t.steps), String(format: "%.1f", t.seconds)]
            s += "| " + cells.joined(separator: " | ") + " |\n"
        }
        return s
    }

    /// search.md: a heading line, the best configuration and the table.
    public func markdownDocument() -> String {
        var s = "# Hyperparameter search\n\n\(mode) search, \(trials.count) trials, \(budget) each; sorted by validation loss.\n\n"
        if let b = best {
            let desc = dimensions.map { "\($0.key)=\(b.values[$0.key] ?? "")" }.joined(separator: " ")
            s += String(format: "Best: trial %03d (%@), validation loss %.4f.\n\n", b.trial, desc, b.validationLoss ?? .nan)
        }
        return s + markdown()
    }

    /// search.json (trials in ranked order, plus the best trial's number).
    public func json() throws -> Data {
        struct Doc: Encodable { var mode: String; var budget: String; var dimensions: [SearchDimension]; var best: Int?; var trials: [TrialResult] }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try enc.encode(Doc(mode: mode, budget: budget, dimensions: dimensions, best: best?.trial, trials: ranked))
    }
}
