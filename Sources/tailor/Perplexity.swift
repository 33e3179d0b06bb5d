// Perplexity.swift: `tailor perplexity`: perplexity of a model on a text file, computed as
// llama.cpp's llama-perplexity does (windows of --ctx tokens, second half of each scored), so the
// figures compare directly.
import ArgumentParser
import Evaluation
import Foundation
import Loading

struct Perplexity: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Perplexity on a text file, as llama.cpp's llama-perplexity computes it.")

    @OptionGroup var model: ModelOptions
    @Option(name: [.customShort("f"), .long], help: "The text file.") var file: String
    @Option(name: [.customShort("c"), .long], help: "Window size in tokens (llama.cpp's -c).") var ctx = 512
    @Flag(help: "Print one JSON object.") var json = false
    @Flag(name: .shortAndLong, help: "No progress bar.") var quiet = false

    func validate() throws {
        guard ctx >= 4 else { throw ValidationError("--ctx must be >= 4") }
    }

    func run() throws {
        try reportingErrors {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CLIError("\(file): \(FileManager.default.fileExists(atPath: file) ? "cannot read file" : "no such file")")
            }
            let text = String(decoding: data, as: UTF8.self)
            let loaded = try ModelLoader.load(model.model, threads: model.threads)
            model.configure(loaded.model)
            var bar = ProgressBar(enabled: !quiet && !json)
            let r = try PerplexityEvaluator.run(model: loaded.model, tokenizer: loaded.tokenizer, text: text, context: ctx) { done, total in
                bar.update(done: done, total: total, label: "perplexity", unit: "chunks")
            }
            bar.finish()
            if json {
                let enc = JSONEncoder()
                enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                enc.keyEncodingStrategy = .convertToSnakeCase
                print(String(decoding: try enc.encode(r), as: UTF8.self))
            } else {
                print(r.runningPerplexity.enumerated().map { String(format: "[%d]%.4f", $0.offset + 1, $0.element) }.joined(separator: ","))
                print(String(format: "Final estimate: PPL = %.4f +/- %.5f  (%d tokens, %d chunks of %d, %d scored, %.1f s)",
                             r.perplexity, r.standardError, r.tokens, r.chunks, r.context, r.scoredTokens, r.seconds))
            }
        }
    }
}
