// ModelQuantizer.swift: `tailor quantize`: rewrite a GGUF model with its 2-D weight matrices in
// another type (from f32/f16 or from any type Tailor reads). Metadata is copied, with
// general.file_type updated; 1-D tensors (norms, biases) stay as they are. Tensors are converted
// one at a time while writing, and the output appears only when complete (GGUFWriter renames).
import CKernels
import Foundation
import Formats
import Tensor

public enum ModelQuantizer {
    /// Types `quantize` can produce.
    public static let targets: [GGMLType] = [.q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .f16, .bf16, .f32]

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
        default: 32  // bf16
        }
    }

    public struct Summary: Sendable {
        public var converted = 0
        public var kept = 0
        public var outputBytes = 0
    }

    /// Writes `input` to `output` with weight matrices in `type`. Progress lines go to `log`.
    @discardableResult
    public static func quantize(input: String, output: String, type: GGMLType, log: (String) -> Void = { _ in }) throws -> Summary {
        guard targets.contains(type) else {
            throw FormatError.unsupported(path: output, message: "cannot quantize to \(type.name) (supported: \(targets.map(\.name).joined(separator: ", ")))")
        }
        let src = try GGUFFile(path: input)
        if let bad = src.tensors.first(where: { !$0.type.isSupported }) {
            throw FormatError.unsupported(path: input, message: "tensor '\(bad.name)' has type \(bad.type.name), which Tailor cannot read yet")
        }
        var w = GGUFWriter()
        for k in src.metadataKeys where k != "general.file_type" { w.set(k, src.metadata[k]!) }
        w.set("general.file_type", .uint32(fileType(type)))
        var summary = Summary()
        for info in src.tensors {
            let cols = info.dims[0], rows = info.elementCount / cols
            let shape = Array(info.dims.reversed())
            let convert = info.dims.count >= 2 && cols % type.blockElements == 0
            let outType = convert ? type : info.type
            if convert { summary.converted += 1 } else { summary.kept += 1 }
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
        log("writing \(output): \(summary.converted) tensors to \(type.name), \(summary.kept) kept")
        try w.write(to: output)
        summary.outputBytes = (try FileManager.default.attributesOfItem(atPath: output)[.size] as? NSNumber)?.intValue ?? 0
        return summary
    }
}
