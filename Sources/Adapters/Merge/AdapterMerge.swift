// AdapterMerge.swift: applying a saved LoRA adapter to a GGUF model without a training graph.
// `deltas` turns a PEFT folder into s·B·A per GGUF tensor (B rows permuted to GGUF order for
// llama-arch q/k); `MergedWeights` is a WeightSource that serves those tensors as f32
// W + s·B·A (merged once at load) and every other tensor untouched, so the inference model runs
// the adapted weights with no LoRA code (`tailor generate --adapter`); `writeMergedGGUF` writes
// the merged model as a standalone GGUF (`tailor merge`) in f32, f16 or q8_0 (ggml's reference
// rounding). Limits: merged matrices cost f32 memory at load (out·in·4 bytes each).
import CKernels
import Foundation
import Formats
import Models
import Tensor

/// An f32 matrix owned in memory (the owner keeps it alive inside a WeightMatrix).
final class OwnedFloats {
    let pointer: UnsafeMutablePointer<Float>
    init(_ v: [Float]) {
        pointer = .allocate(capacity: max(v.count, 1))
        v.withUnsafeBufferPointer { pointer.initialize(from: $0.baseAddress!, count: v.count) }
    }
    deinit { pointer.deallocate() }
}

/// Merging LoRA deltas into GGUF weights.
public enum AdapterMerge {
    /// s·B·A (out, in) for every layer of the PEFT folder, by GGUF tensor name ("blk.0.attn_q.weight").
    public static func deltas(peftFolder dir: String, config c: LlamaConfig) throws -> [String: [Float]] {
        let lora = try PEFTFolder.readConfig(dir)
        var out: [String: [Float]] = [:]
        for (name, t) in try PEFTFolder.readTensors(dir, graphConfig: c, ggufOrder: true) {
            guard let g = GGUFNames.gguf(name) else { throw AdapterError("\(dir): layer '\(name)' has no GGUF tensor name") }
            let r = t.a.shape[0], K = t.a.shape[1], M = t.b.shape[0]
            let s = lora.useRSLoRA ? lora.alpha / Float(r).squareRoot() : lora.alpha / Float(r)
            var d = [Float](repeating: 0, count: M * K)
            d.withUnsafeMutableBufferPointer { p in
                tk_sgemm(0, 0, Int64(M), Int64(K), Int64(r), s, t.b.pointer, Int64(r), t.a.pointer, Int64(K), 0, p.baseAddress!, Int64(K))
            }
            out[g + ".weight"] = d
        }
        return out
    }

    /// base (dequantized) + delta, row-major (rows, cols).
    static func merged(_ m: WeightMatrix, _ delta: [Float]) -> [Float] {
        var w = m.dequantized()
        precondition(w.count == delta.count, "delta size mismatch")
        w.withUnsafeMutableBufferPointer { p in delta.withUnsafeBufferPointer { tk_add(p.baseAddress!, $0.baseAddress!, Int64(p.count)) } }
        return w
    }

    /// Encodes f32 rows as `type` (f32, f16 or q8_0).
    static func encode(_ w: [Float], rows: Int, cols: Int, as type: GGMLType) -> Data {
        switch type {
        case .f16:
            var out = [UInt16](repeating: 0, count: w.count)
            w.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { tk_f32_to_f16_row(s.baseAddress!, $0.baseAddress!, Int64(w.count)) } }
            return out.withUnsafeBufferPointer { Data(buffer: $0) }
        case .q8_0:
            var out = Data(count: rows * cols / 32 * 34)
            out.withUnsafeMutableBytes { d in w.withUnsafeBufferPointer { tk_quantize_row_q8_0_ref($0.baseAddress!, d.baseAddress!, Int64(w.count)) } }
            return out
        default:
            return w.withUnsafeBufferPointer { Data(buffer: $0) }
        }
    }

    /// Writes `file` with `deltas` merged as a standalone GGUF; 2-D weights are stored as `type`
    /// (q8_0 falls back to f16 for rows that are not whole blocks), 1-D tensors as they were.
    /// `replacements` (by GGUF tensor name) replace a tensor's values outright (full fine-tuning).
    public static func writeMergedGGUF(base file: GGUFFile, deltas: [String: [Float]], replacements: [String: [Float]] = [:],
                                       type: GGMLType, to path: String) throws {
        guard [.f32, .f16, .q8_0].contains(type) else { throw AdapterError("--type must be f32, f16 or q8_0") }
        for k in deltas.keys where file.tensorInfo(k) == nil { throw AdapterError("\(file.path): the adapter targets '\(k)', which the model does not have") }
        var w = GGUFWriter()
        for k in file.metadataKeys { w.set(k, file.metadata[k]!) }
        w.set("general.file_type", .uint32(type == .f32 ? 0 : type == .f16 ? 1 : 7))
        for t in file.tensors {
            if t.dims.count == 2, t.name.hasSuffix(".weight") {
                let rows = t.dims[1], cols = t.dims[0]
                let m = WeightMatrix(data: file.data(of: t), type: t.type, rows: rows, cols: cols, owner: file.mapping)
                let ty: GGMLType = type == .q8_0 && cols % 32 != 0 ? .f16 : type
                let delta = deltas[t.name]
                let full = replacements[t.name]
                w.addTensor(t.name, shape: [rows, cols], type: ty) {
                    encode(full ?? delta.map { merged(m, $0) } ?? m.dequantized(), rows: rows, cols: cols, as: ty)
                }
            } else if let full = replacements[t.name] {
                w.addTensor(t.name, shape: t.dims.reversed(), floats: full)
            } else {
                let ptr = file.data(of: t), n = t.byteCount
                w.addTensor(t.name, shape: t.dims.reversed(), type: t.type) { Data(bytes: ptr, count: n) }
            }
        }
        try w.write(to: path)
    }
}

/// A WeightSource serving merged f32 weights for adapted tensors and the base for the rest.
public final class MergedWeights: WeightSource {
    public let base: WeightSource
    private var cache: [String: WeightMatrix] = [:]
    private var vectors: [String: [Float]] = [:]

    /// Merges `deltas` (by GGUF tensor name) into `base`'s matrices now; `replacements` replace
    /// matrices (2-D) or vectors (biases) outright.
    public init(base: WeightSource, deltas: [String: [Float]], replacements: [String: [Float]] = [:]) throws {
        self.base = base
        for (name, v) in replacements {
            if name.hasSuffix(".bias") { vectors[name] = v; continue }
            let m = try base.matrix(name)
            guard m.rows * m.cols == v.count else { throw AdapterError("merged '\(name)' has \(v.count) values, the weight \(m.rows)x\(m.cols)") }
            let owned = OwnedFloats(v)
            cache[name] = WeightMatrix(data: UnsafeRawPointer(owned.pointer), type: .f32, rows: m.rows, cols: m.cols, owner: owned)
        }
        for (name, d) in deltas {
            let m = try base.matrix(name)
            guard m.rows * m.cols == d.count else { throw AdapterError("adapter delta for '\(name)' has \(d.count) values, the weight \(m.rows)x\(m.cols)") }
            let owned = OwnedFloats(AdapterMerge.merged(m, d))
            cache[name] = WeightMatrix(data: UnsafeRawPointer(owned.pointer), type: .f32, rows: m.rows, cols: m.cols, owner: owned)
        }
    }

    public func matrix(_ name: String) throws -> WeightMatrix { try cache[name] ?? base.matrix(name) }
    public func vector(_ name: String) throws -> [Float] { try vectors[name] ?? base.vector(name) }
    public func contains(_ name: String) -> Bool { base.contains(name) }
}
