// Generate.swift: `tailor generate`: complete a prompt, streaming to stdout, or print one JSON
// object (prompt_tokens, tokens, text, timings) with --json. --adapter DIR takes any method's
// folder (AdapterLoading): LoRA unmerged, DoRA/IA3 merged at load, prefix/prompt tuning and bottleneck
// adapters attached to the inference model's hooks.
import ArgumentParser
import Foundation
import Generation
import Loading
import Models
import Adapters

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate text from a prompt.")

    @OptionGroup var model: ModelOptions
    @Option(name: .shortAndLong, help: "The prompt text.") var prompt: String
    @Option(name: .short, help: "Maximum tokens to generate.") var n = 128
    @Option(help: "Temperature; 0 is greedy.") var temp: Float = 0.8
    @Option(help: "Top-k (0 = off).") var topK = 40
    @Option(help: "Top-p (1 = off).") var topP: Float = 0.95
    @Option(help: "Min-p (0 = off).") var minP: Float = 0.05
    @Option(help: "Repetition penalty (1 = off).") var repeatPenalty: Float = 1.0
    @Option(help: "Tokens the repetition penalty looks back over.") var repeatLastN = 64
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Stop when this text appears (repeatable).") var stop: [String] = []
    @Flag(help: "Do not stop at end-of-generation tokens.") var ignoreEos = false
    @Flag(help: "Do not parse special tokens such as <|im_start|> in the prompt.") var noParseSpecial = false
    @Option(help: "KV cache precision: f16 (llama.cpp's default) or f32.") var cache: String = "f16"
    @Flag(help: "Print one JSON object instead of streaming text.") var json = false
    @Option(help: "An adapter folder (any method). LoRA runs unmerged beside the quantized base; DoRA/IA3 are merged into f32 copies of the adapted weights at load; prefix and prompt tuning pre-fill every KV cache; bottleneck adapters hook the sublayer outputs.") var adapter: String?

    func validate() throws {
        guard n >= 0 else { throw ValidationError("-n must be >= 0") }
        guard temp >= 0 else { throw ValidationError("--temp must be >= 0") }
        guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must be in (0, 1]") }
        guard minP >= 0, minP < 1 else { throw ValidationError("--min-p must be in [0, 1)") }
        guard repeatPenalty > 0 else { throw ValidationError("--repeat-penalty must be > 0") }
        guard KVCache.Precision(rawValue: cache) != nil else { throw ValidationError("--cache must be f16 or f32") }
    }

    func run() throws {
        try reportingErrors {
            guard !prompt.isEmpty else { throw GenerationError.emptyPrompt }
            let loaded = try AdapterLoading.load(model.model, threads: model.threads, adapter: adapter)
            model.configure(loaded.model)
            let tok = loaded.tokenizer
            let ids = tok.encode(prompt, addSpecial: true, parseSpecial: !noParseSpecial)
            var options = GenerationOptions(
                maxTokens: n,
                sampling: SamplingConfig(temperature: temp, topK: topK, topP: topP, minP: minP,
                                         repetitionPenalty: repeatPenalty, repetitionWindow: repeatLastN, seed: seed),
                stopStrings: stop, ignoreEOS: ignoreEos, cachePrecision: KVCache.Precision(rawValue: cache)!)
            let gen = Generator(model: loaded.model, piece: { tok.tokenPiece($0) }, endOfGeneration: tok.endOfGenerationIDs)
            let out = FileHandle.standardOutput
            let result = try gen.generate(ids, options: options) { text in
                if !json { out.write(Data(text.utf8)) }
            }
            if json {
                let obj = GenerateJSON(prompt_tokens: result.promptTokens, tokens: result.tokens, text: result.text,
                                       stop_reason: result.stopReason.rawValue,
                                       timings: .init(prompt_ms: result.timings.promptMilliseconds,
                                                      generation_ms: result.timings.generationMilliseconds,
                                                      prompt_tokens_per_second: result.timings.promptTokensPerSecond,
                                                      generation_tokens_per_second: result.timings.generationTokensPerSecond))
                let enc = JSONEncoder()
                enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try enc.encode(obj), as: UTF8.self))
            } else {
                print("")
                printError(String(format: "[%d prompt tokens at %.1f tok/s, %d generated at %.1f tok/s, stop: %@]",
                                  result.promptTokens.count, result.timings.promptTokensPerSecond, result.tokens.count,
                                  result.timings.generationTokensPerSecond, result.stopReason.rawValue))
            }
        }
    }
}

/// The --json output; field names are a public contract for scripts.
struct GenerateJSON: Encodable {
    struct Timings: Encodable {
        var prompt_ms: Double
        var generation_ms: Double
        var prompt_tokens_per_second: Double
        var generation_tokens_per_second: Double
    }
    var prompt_tokens: [Int32]
    var tokens: [Int32]
    var text: String
    var stop_reason: String
    var timings: Timings
}
