// Split.swift: deterministic train/validation/test splits of a JSONL task set.
//
// The algorithm is fixed so other tools can reproduce it (scripts/make_datasets.py does):
//   rng = SplitMix64(seed); perm = [0, 1, ..., n-1]
//   for i = n-1 down to 1: j = rng.next() % (i+1); swap(perm[i], perm[j])     (Fisher-Yates)
//   nTest = floor(n*test + 0.5); nVal = min(floor(n*val + 0.5), n - nTest); nTrain = the rest
//   test = perm[0 ..< nTest], val = the next nVal, train = the rest; each split keeps file order.
// With `stratified`, the examples are grouped by target (groups in order of first appearance),
// and the same procedure runs on each group in turn with the one generator.
// Lines are written out byte for byte as read; blank lines are dropped.
import Foundation
import Generation  // SplitMix64

/// Train/validation/test fractions, each in 0...1, summing to 1 within 1e-6.
public struct SplitFractions: Equatable, Sendable {
    public var train: Double
    public var validation: Double
    public var test: Double

    /// Throws a message naming the problem when the fractions are out of range or don't sum to 1.
    public init(train: Double, validation: Double, test: Double) throws {
        for (name, v) in [("train", train), ("val", validation), ("test", test)] where !(v >= 0 && v <= 1) {
            throw SplitError("--\(name) must be between 0 and 1 (got \(v))")
        }
        let sum = train + validation + test
        guard abs(sum - 1) <= 1e-6 else {
            throw SplitError("fractions must sum to 1 (train \(train) + val \(validation) + test \(test) = \(sum))")
        }
        self.train = train; self.validation = validation; self.test = test
    }
}

/// A split that cannot be made, with the reason.
public struct SplitError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ message: String) { description = message }
}

/// Indices of the examples that go to each split, each in ascending (file) order.
public struct SplitAssignment: Equatable, Sendable {
    public var train: [Int]
    public var validation: [Int]
    public var test: [Int]
}

/// What `DatasetSplitter.split` wrote.
public struct SplitResult: Sendable {
    public var trainPath: String
    public var validationPath: String
    public var testPath: String
    public var assignment: SplitAssignment
}

/// Seeded, reproducible splitting.
public enum DatasetSplitter {
    /// Assigns `count` items to splits (see the file header for the exact algorithm).
    public static func assign(count: Int, fractions: SplitFractions, seed: UInt64) -> SplitAssignment {
        var rng = SplitMix64(seed: seed)
        var a = SplitAssignment(train: [], validation: [], test: [])
        assign(Array(0..<count), fractions, &rng, into: &a)
        return a.sorted()
    }

    /// Assigns items to splits group by group, so each target keeps its proportions.
    public static func assignStratified(targets: [String], fractions: SplitFractions, seed: UInt64) -> SplitAssignment {
        var order: [String] = []
        var groups: [String: [Int]] = [:]
        for (i, t) in targets.enumerated() {
            if groups[t] == nil { order.append(t) }
            groups[t, default: []].append(i)
        }
        var rng = SplitMix64(seed: seed)
        var a = SplitAssignment(train: [], validation: [], test: [])
        for t in order { assign(groups[t]!, fractions, &rng, into: &a) }
        return a.sorted()
    }

    private static func assign(_ items: [Int], _ f: SplitFractions, _ rng: inout SplitMix64, into a: inout SplitAssignment) {
        var perm = items
        let n = perm.count
        if n > 1 {
            for i in stride(from: n - 1, through: 1, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                perm.swapAt(i, j)
            }
        }
        let nTest = min(n, Int((Double(n) * f.test + 0.5).rounded(.down)))
        let nVal = min(n - nTest, Int((Double(n) * f.validation + 0.5).rounded(.down)))
        a.test += perm[0..<nTest]
        a.validation += perm[nTest..<(nTest + nVal)]
        a.train += perm[(nTest + nVal)...]
    }

    /// Splits the JSONL file at `path` into `STEM.train.jsonl`, `STEM.val.jsonl` and
    /// `STEM.test.jsonl` in `outputDirectory` (default: beside the input), all or nothing.
    /// Every line must be a valid task example (see `JSONL.readExamples`).
    public static func split(file path: String, fractions: SplitFractions, seed: UInt64,
                             outputDirectory: String? = nil, stratified: Bool = false) throws -> SplitResult {
        let records = try JSONL.readRecords(at: path)
        let examples = try records.map { try JSONL.example(from: $0, file: path) }
        guard !examples.isEmpty else { throw SplitError("\(path): no examples to split") }
        let a = stratified ? assignStratified(targets: examples.map(\.target), fractions: fractions, seed: seed)
            : assign(count: examples.count, fractions: fractions, seed: seed)
        let url = URL(fileURLWithPath: path)
        var stem = url.lastPathComponent
        if stem.hasSuffix(".jsonl") { stem = String(stem.dropLast(6)) }
        let dir = outputDirectory.map { URL(fileURLWithPath: $0) } ?? url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        func body(_ idx: [Int]) -> Data { Data(idx.map { records[$0].raw + "\n" }.joined().utf8) }
        let paths = ["train", "val", "test"].map { dir.appendingPathComponent("\(stem).\($0).jsonl") }
        try AtomicFile.writeAll([(paths[0], body(a.train)), (paths[1], body(a.validation)), (paths[2], body(a.test))])
        return SplitResult(trainPath: paths[0].path, validationPath: paths[1].path, testPath: paths[2].path, assignment: a)
    }
}

extension SplitAssignment {
    func sorted() -> SplitAssignment { SplitAssignment(train: train.sorted(), validation: validation.sorted(), test: test.sorted()) }
}
