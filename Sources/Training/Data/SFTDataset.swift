// SFTDataset.swift: a training file (or part of one) as tokenized examples. Bad lines are
// reported as FILE:LINE: reason and skipped (or thrown with `strict`); examples longer than the
// sequence length are truncated (counted, for one warning); examples left without any loss token
// are skipped. Optional packing concatenates examples into full-length rows (attention then
// crosses example boundaries, as packing without position resets does in TRL).
// Splits: `--val-split/--test-split` assign records with Evaluation's seeded DatasetSplitter.
import Evaluation
import Foundation

/// How files become examples.
public struct DataOptions: Codable, Equatable, Sendable {
    /// Maximum tokens per example (longer ones are truncated).
    public var sequenceLength = 256
    public var packing = false
    /// Throw on the first bad line instead of skipping it.
    public var strict = false
    public init() {}
}

/// Tokenized examples plus what was dropped on the way.
public struct SFTDataset: Sendable {
    public var examples: [TokenizedExample]
    /// Lines that could not be used (FILE:LINE: reason).
    public var problems: [JSONLError]
    /// Examples cut to the sequence length.
    public var truncatedCount: Int
    /// The raw records kept (for splits written to disk and the leak check).
    public var records: [JSONLRecord]

    public init(examples: [TokenizedExample], problems: [JSONLError] = [], truncatedCount: Int = 0, records: [JSONLRecord] = []) {
        self.examples = examples; self.problems = problems; self.truncatedCount = truncatedCount; self.records = records
    }

    /// Target tokens over all examples.
    public var lossTokenCount: Int { examples.reduce(0) { $0 + $1.lossTokenCount } }

    /// Reads and tokenizes `path` (JSONL or CSV).
    public static func load(_ path: String, formatter: SFTFormatter, options: DataOptions) throws -> SFTDataset {
        var problems: [JSONLError] = [], records: [JSONLRecord] = []
        for item in try RecordReader.read(path) {
            switch item {
            case .success(let r): records.append(r)
            case .failure(let e):
                if options.strict { throw e }
                problems.append(e)
            }
        }
        return try make(records: records, file: path, formatter: formatter, options: options, problems: problems)
    }

    /// Tokenizes records already read from `file`.
    public static func make(records: [JSONLRecord], file: String, formatter: SFTFormatter, options: DataOptions,
                            problems: [JSONLError] = []) throws -> SFTDataset {
        var out = SFTDataset(examples: [], problems: problems, truncatedCount: 0, records: [])
        for r in records {
            do {
                var (t, m) = try formatter.format(r.fields)
                if t.count > options.sequenceLength {
                    t = Array(t.prefix(options.sequenceLength)); m = Array(m.prefix(options.sequenceLength))
                    out.truncatedCount += 1
                }
                let ex = TokenizedExample(tokens: t, inLoss: m, origin: "\(file):\(r.line)")
                guard ex.lossTokenCount > 0 else { throw DataError("no token left in the loss (after truncation to \(options.sequenceLength))") }
                out.examples.append(ex)
                out.records.append(r)
            } catch let e as DataError {
                let err = JSONLError(file: file, line: r.line, message: e.description)
                if options.strict { throw err }
                out.problems.append(err)
            }
        }
        if options.packing { out.examples = pack(out.examples, length: options.sequenceLength) }
        return out
    }

    /// Concatenates examples in order and cuts the stream into rows of `length` tokens.
    public static func pack(_ examples: [TokenizedExample], length: Int) -> [TokenizedExample] {
        var rows: [TokenizedExample] = []
        var cur = TokenizedExample(tokens: [], inLoss: [], origin: "packed:0")
        for e in examples {
            var i = 0
            while i < e.tokens.count {
                let take = min(length - cur.tokens.count, e.tokens.count - i)
                cur.tokens += e.tokens[i..<(i + take)]
                cur.inLoss += e.inLoss[i..<(i + take)]
                i += take
                if cur.tokens.count == length {
                    rows.append(cur)
                    cur = TokenizedExample(tokens: [], inLoss: [], origin: "packed:\(rows.count)")
                }
            }
        }
        if cur.lossTokenCount > 0 { rows.append(cur) }
        return rows
    }

    /// Splits off validation and test parts by seeded assignment of records (Evaluation's
    /// DatasetSplitter), returning (train, validation, test).
    public func split(validation: Double, test: Double, seed: UInt64) throws -> (SFTDataset, SFTDataset, SFTDataset) {
        precondition(examples.count == records.count, "split before packing")
        let f = try SplitFractions(train: 1 - validation - test, validation: validation, test: test)
        let a = DatasetSplitter.assign(count: examples.count, fractions: f, seed: seed)
        func part(_ idx: [Int]) -> SFTDataset { SFTDataset(examples: idx.map { examples[$0] }, records: idx.map { records[$0] }) }
        var train = part(a.train)
        train.problems = problems; train.truncatedCount = truncatedCount
        return (train, part(a.validation), part(a.test))
    }

    /// The records as leak-check items: the input side of each (input, prompt, text, or the
    /// non-assistant turns of messages).
    public func leakItems(fields f: FieldMapping) -> [TaskExample] {
        records.map { r in
            var text = ""
            let keys = [f.input] + ExampleFields.standard.input.filter { $0 != f.input && $0 != f.prompt && $0 != f.text } + [f.prompt, f.text, f.messages]
            for key in keys {
                switch r.fields[key] {
                case .string(let s)?: text = s
                case .array(let a)?:
                    text = a.compactMap { item -> String? in
                        guard case .object(let o) = item, case .string(let c)? = o["content"] else { return nil }
                        if case .string("assistant")? = o["role"] { return nil }
                        return c
                    }.joined(separator: "\n")
                default: continue
                }
                break
            }
            return TaskExample(input: text, target: "", line: r.line)
        }
    }
}
