// Quantize.swift: `tailor quantize IN.gguf OUT.gguf --type q8_0|q4_0|q4_1|q5_0|q5_1|f16|bf16|f32`.
import ArgumentParser
import Loading
import Tensor

struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rewrite a GGUF model with its weight matrices in another type (ggml's reference quantizers).")

    @Argument(help: "Input .gguf (any type Tailor reads).") var input: String
    @Argument(help: "Output .gguf (written atomically).") var output: String
    @Option(help: "Target type: q8_0, q4_0, q4_1, q5_0, q5_1, f16, bf16, f32.") var type: String

    func validate() throws {
        guard let t = GGMLType(name: type), ModelQuantizer.targets.contains(t) else {
            throw ValidationError("--type must be one of \(ModelQuantizer.targets.map { $0.name.lowercased() }.joined(separator: ", "))")
        }
        guard input != output else { throw ValidationError("the output must differ from the input") }
    }

    func run() throws {
        try reportingErrors {
            let s = try ModelQuantizer.quantize(input: input, output: output, type: GGMLType(name: type)!, log: printError)
            print("\(output): \(s.converted) tensors converted, \(s.kept) kept, \(formatBytes(s.outputBytes))")
        }
    }
}
