// Tailor.swift: the `tailor` command line. One file per subcommand; each maps flags to a
// config and makes one library call.
import ArgumentParser
import Foundation
import Models
import Tensor

@main
struct Tailor: ParsableCommand {
    static func main() {
        BLASKernels.reexecIfFallback()
        main(nil)
    }

    static let configuration = CommandConfiguration(
        commandName: "tailor",
        abstract: "Customize open LLMs end to end: run, tokenize, prompt, fine-tune, evaluate, serve.",
        version: "0.1.0",
        subcommands: [Pull.self, Models.self, Generate.self, Chat.self, Template.self, Tokenize.self, Eval.self, Perplexity.self,
                      Embed.self, Rag.self, Bench.self, Quantize.self, DataCommand.self, FineTuneCommand.self, MergeCommand.self])
}

/// Options shared by every command that runs a model.
struct ModelOptions: ParsableArguments {
    @Option(name: [.customShort("m"), .long], help: "A catalog name (see `tailor models --catalog`) or a path to a .gguf file.")
    var model: String = "smollm2-135m-instruct"

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(name: .long, help: """
        How int8 products are summed: 'auto' (the default: prompts 'block', single-token decoding 'ggml'), \
        'ggml' (llama.cpp's eight float lanes per row everywhere, so logits track llama.cpp's single-token \
        kernels) or 'block' (one float sum per block's exact integer dot product everywhere: less work per \
        token, 1.3-1.6x faster prompts). The int8 products are the same in all three; results differ only by \
        float rounding.
        """)
    var sums: Int8Sums = .auto

    /// Applies the options that live on the loaded model.
    func configure(_ m: LanguageModel) {
        guard m.activations == .int8 else { return }
        switch sums {
        case .auto: break
        case .ggml: m.activations = .int8Lanes
        case .block: m.activations = .int8Blocked
        }
    }

    func validate() throws {
        if let t = threads, t < 1 || t > 256 { throw ValidationError("--threads must be between 1 and 256") }
    }
}

/// `--sums`: the summation order of the int8 kernels (ActivationPrecision .int8 / .int8Lanes / .int8Blocked).
enum Int8Sums: String, ExpressibleByArgument, CaseIterable { case auto, ggml, block }

/// Prints `message` to stderr.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Runs `body`, turning any library error into a one-line message and exit code 1.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as ExitCode { throw e } catch let e as CleanExit { throw e } catch {
        printError("error: \(error)")
        throw ExitCode(1)
    }
}
