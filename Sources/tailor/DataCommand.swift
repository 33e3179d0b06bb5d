// DataCommand.swift: `tailor data split` and `tailor data check`: data hygiene for JSONL task sets
// (seeded, atomic splits; exact and near-duplicate leaks between splits). Register
// `DataCommand.self` in Tailor's subcommands.
import ArgumentParser
import Evaluation
import Foundation

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Split JSONL task sets and check splits for leaks.",
        subcommands: [Split.self, Check.self])

    struct Split: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Split FILE into FILE-stem.train/.val/.test.jsonl (seeded, written atomically).")

        @Argument(help: "A JSONL file with \"input\" and \"target\" on every line.")
        var file: String

        @Option(help: "Fraction for training.") var train: Double = 0.8
        @Option(help: "Fraction for validation.") var val: Double = 0.1
        @Option(help: "Fraction for test.") var test: Double = 0.1
        @Option(help: "Shuffle seed.") var seed: UInt64 = 0
        @Option(name: .customLong("out-dir"), help: "Output folder (default: beside FILE).") var outDir: String?
        @Flag(help: "Keep each target's proportions in every split.") var stratify = false
        @Flag(name: .shortAndLong, help: "Print nothing but errors.") var quiet = false

        func validate() throws {
            do { _ = try SplitFractions(train: train, validation: val, test: test) } catch { throw ValidationError("\(error)") }
        }

        func run() throws {
            try reportingErrors {
                let f = try SplitFractions(train: train, validation: val, test: test)
                let r = try DatasetSplitter.split(file: file, fractions: f, seed: seed, outputDirectory: outDir, stratified: stratify)
                if !quiet {
                    print("\(r.trainPath)\t\(r.assignment.train.count)")
                    print("\(r.validationPath)\t\(r.assignment.validation.count)")
                    print("\(r.testPath)\t\(r.assignment.test.count)")
                }
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Report exact and near duplicates between splits; exit 1 when any is found.")

        @Option(help: "Training split.") var train: String
        @Option(help: "Validation split.") var val: String?
        @Option(help: "Test split.") var test: String?
        @Option(help: "Jaccard threshold for near duplicates (0-1).") var threshold: Double = 0.8
        @Option(help: "Shingles: char:N or word:N.") var shingle: String = "char:5"
        @Option(help: "Text compared: input, target or both.") var field: String = "input"
        @Flag(help: "Print the report as JSON.") var json = false

        func validate() throws {
            guard threshold > 0 && threshold <= 1 else { throw ValidationError("--threshold must be in (0, 1] (got \(threshold))") }
            guard Shingling(shingle) != nil else { throw ValidationError("--shingle must be char:N or word:N (got '\(shingle)')") }
            guard LeakField(rawValue: field) != nil else { throw ValidationError("--field must be input, target or both (got '\(field)')") }
            guard val != nil || test != nil else { throw ValidationError("give --val and/or --test besides --train") }
        }

        func run() throws {
            let report: LeakReport = try reportingErrors {
                var splits: [SplitFile] = []
                for (name, path) in [("train", train), ("val", val), ("test", test)] {
                    guard let p = path else { continue }
                    splits.append(SplitFile(name: name, path: p, examples: try JSONL.readExamples(at: p)))
                }
                var o = LeakCheckOptions()
                o.threshold = threshold
                o.shingling = Shingling(shingle)!
                o.field = LeakField(rawValue: field)!
                return LeakChecker.check(splits, options: o)
            }
            if json {
                let enc = JSONEncoder()
                enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try enc.encode(report), as: UTF8.self))
            } else {
                print(report.renderText(), terminator: "")
            }
            if report.hasLeaks { throw ExitCode(1) }
        }
    }
}
