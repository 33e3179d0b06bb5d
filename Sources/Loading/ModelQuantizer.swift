// ModelQuantizer.swift: `tailor quantize`: rewrite a GGUF model with its weight matrices in
// another type (from f32/f16 or from any type Tailor reads). Metadata is copied, with
// general.file_type updated; norms, biases and other 1-D tensors stay as they are. Tensors are
// converted one at a time while writing, and the output appears only when complete (GGUFWriter
// renames). Which tensors get which type follows llama.cpp's llama-quantize (QuantizationPlan).
import CKernels
import Foundation
import Formats
import Tensor

public enum ModelQuantizer {
    /// Whole-model types: every quantizable weight gets the type (llama-quantize --pure), with
    /// llama.cpp's fallback for rows that are not a whole number of blocks.
    public static let targets: [GGMLType] = [.q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .f16, .bf16, .f32]

    /// llama.cpp's `llama_ftype` for a whole-model type.
    static func fileType(_ t: GGMLType) -> UInt32 {
        switch t {
        case .f32: 0
        case .f16: 1
        case .q4_0: 2
        case .q4_1: 3
        case .q8_0: 7
        case .q5_0: 8
        case .q5_1: 9
        case .q2_K: 10
        case .q3_K: 11  // Q3_K_S
        case .q4_K: 14  // Q4_K_S
        case .q5_K: 16  // Q5_K_S
        case .q6_K: 18
        default: 32  // bf16
        }
    }

    public struct Summary: Sendable {
        public var converted = 0
        public var kept = 0
        public var outputBytes = 0
        /// Output type per tensor name, in file order.
        public var types: [(name: String, type: GGMLType)] = []
    }

    /// Writes `input` to `output` with weight matrices in `type` (pure: no mixture rules).
    @discardableResult
    public static func quantize(input: String, output: String, type: GGMLType, log: (String) -> Void = { _ in }) throws -> Summary {
        guard targets.contains(type) else {
            throw FormatError.unsupported(path: output, message: "cannot quantize to \(type.name) (supported: \(targets.map(\.name).joined(separator: ", ")))")
        }
        return try quantize(input: input, output: output, recipe: QuantizationRecipe(pure: type), log: log)
    }

    /// Writes `input` to `output` following `recipe` (a pure type or a llama.cpp mixture).
    @discardableResult
    public static func quantize(input: String, output: String, recipe: QuantizationRecipe, log: (String) -> Void = { _ in }) throws -> Summary {
        let src = try GGUFFile(path: input)
        if let bad = src.tensors.first(where: { !$0.type.isSupported }) {
            throw FormatError.unsupported(path: input, message: "tensor '\(bad.name)' has type \(bad.type.name), which Tailor cannot read yet")
        }
        let arch = src.metadata["general.architecture"]?.string ?? ""
        func hparam(_ key: String) -> Int { src.metadata["\(arch).\(key)"]?.int ?? 0 }
        let model = QuantizationPlan.ModelInfo(
            arch: arch, layers: hparam("block_count"), experts: hparam("expert_count"),
            heads: hparam("attention.head_count"), kvHeads: hparam("attention.head_count_kv"))
        let plan = QuantizationPlan.types(for: src.tensors.map { ($0.name, $0.dims, $0.type) }, model: model, recipe: recipe)

        var w = GGUFWriter()
        for k in src.metadataKeys where k != "general.file_type" && k != "general.quantization_version" { w.set(k, src.metadata[k]!) }
        w.set("general.quantization_version", .uint32(2))
        w.set("general.file_type", .uint32(recipe.fileType))
        var summary = Summary()
        for (info, outType) in zip(src.tensors, plan) {
            let cols = info.dims[0], rows = info.elementCount / cols
            let shape = Array(info.dims.reversed())
            let convert = outType != info.type
            if convert { summary.converted += 1 } else { summary.kept += 1 }
            summary.types.append((info.name, outType))
            let data = src.data(of: info), srcType = info.type
            w.addTensor(info.name, shape: shape, type: outType) {
                if !convert { return Data(bytes: data, count: info.byteCount) }
                let m = WeightMatrix(data: data, type: srcType, rows: rows, cols: cols, owner: src.mapping)
                let rowBytes = outType.byteCount(elements: cols)!
                var out = Data(count: rows * rowBytes)
                var f = [Float](repeating: 0, count: cols)
                out.withUnsafeMutableBytes { dst in
                    f.withUnsafeMutableBufferPointer { fp in
                        for r in 0..<rows {
                            m.row(r, into: fp.baseAddress!)
                            let rc = tk_quantize_weights(outType.rawValue, fp.baseAddress, dst.baseAddress! + r * rowBytes, Int64(cols))
                            precondition(rc == 0, "quantizer for \(outType) failed")
                        }
                    }
                }
                return out
            }
        }
        var counts: [String: Int] = [:]
        for (_, t) in summary.types { counts[t.name, default: 0] += 1 }
        log("writing \(output): \(recipe.name): \(summary.converted) tensors converted, \(summary.kept) kept; "
            + counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        try w.write(to: output)
        summary.outputBytes = (try FileManager.default.attributesOfItem(atPath: output)[.size] as? NSNumber)?.intValue ?? 0
        return summary
    }
}
