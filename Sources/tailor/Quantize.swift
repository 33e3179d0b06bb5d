// Quantize.swift: `tailor quantize IN.gguf OUT.gguf --type T`: T is a ggml type (q8_0, q4_0, q4_1,
// q5_0, q5_1, q2_k, q3_k, q4_k, q5_k, q6_k, f16, bf16, f32: every weight matrix gets it, like
// llama-quantize --pure) or a llama.cpp K mixture (q3_k_s/m/l, q4_k_s/m, q5_k_s/m). Rows that do not
// fit a K-quant's 256-element blocks fall back as llama.cpp does (see QuantizationPlan).
import ArgumentParser
import Loading
import Tensor

struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Rewrite a GGUF model with its weight matrices in another type (ggml's reference quantizers).")

    @Argument(help: "Input .gguf (any type Tailor reads).") var input: String
    @Argument(help: "Output .gguf (written atomically).") var output: String
    @Option(help: "Target: q8_0, q4_0, q4_1, q5_0, q5_1, q2_k, q3_k, q4_k, q5_k, q6_k, f16, bf16, f32 (every weight), or a llama.cpp mixture: q3_k_s, q3_k_m, q3_k_l, q4_k_s, q4_k_m, q5_k_s, q5_k_m.")
    var type: String
    @Flag(help: "Print the type chosen for each tensor.") var verbose = false

    func validate() throws {
        guard QuantizationRecipe(name: type) != nil else {
            throw ValidationError("--type must be one of \(QuantizationRecipe.names.joined(separator: ", "))")
        }
        guard input != output else { throw ValidationError("the output must differ from the input") }
    }

    func run() throws {
        try reportingErrors {
            let s = try ModelQuantizer.quantize(input: input, output: output, recipe: QuantizationRecipe(name: type)!, log: printError)
            if verbose { for (name, t) in s.types { print("\(name)\t\(t.name)") } }
            print("\(output): \(s.converted) tensors converted, \(s.kept) kept, \(formatBytes(s.outputBytes))")
        }
    }
}
