// WeightMatrix.swift: a 2-D weight in its stored ggml type (quantized or float), used in place
// (typically inside a memory-mapped file). Shapes follow PyTorch: (rows = out, cols = in).
import CKernels

/// A (rows, cols) weight matrix whose rows are stored in `type` blocks at `data`.
public struct WeightMatrix: @unchecked Sendable {
    public let data: UnsafeRawPointer
    public let type: GGMLType
    public let rows: Int
    public let cols: Int
    /// Keeps the backing storage (a file mapping or an owned buffer) alive.
    public let owner: AnyObject?

    public init(data: UnsafeRawPointer, type: GGMLType, rows: Int, cols: Int, owner: AnyObject?) {
        precondition(cols % type.blockElements == 0, "row length \(cols) is not a whole number of \(type) blocks")
        self.data = data
        self.type = type
        self.rows = rows
        self.cols = cols
        self.owner = owner
    }

    /// Bytes of one stored row.
    public var rowBytes: Int { cols / type.blockElements * type.blockBytes }

    /// y(ntok, rows) = x(ntok, cols) · Wᵀ. With `.int8` activations (the default, as llama.cpp)
    /// x is quantized to 8 bit for integer dot products; `.f32` keeps it exact.
    public func matmul(_ x: UnsafePointer<Float>, tokens: Int, into y: UnsafeMutablePointer<Float>, pool: ThreadPool?,
                       activations: ActivationPrecision = .int8) {
        let rc = activations == .int8
            ? tk_matmul(data, type.rawValue, Int64(rows), Int64(cols), x, Int64(tokens), y, pool?.raw)
            : tk_matmul_exact(data, type.rawValue, Int64(rows), Int64(cols), x, Int64(tokens), y, pool?.raw)
        precondition(rc == 0, "matmul on unsupported type \(type)")
    }

    /// Dequantizes row `i` into `out` (cols floats).
    public func row(_ i: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(i >= 0 && i < rows, "row \(i) out of range 0..<\(rows)")
        let rc = tk_dequantize_row(type.rawValue, data + i * rowBytes, out, Int64(cols))
        precondition(rc == 0, "dequantize on unsupported type \(type)")
    }

    /// The whole matrix as f32, row-major.
    public func dequantized() -> [Float] {
        var out = [Float](repeating: 0, count: rows * cols)
        out.withUnsafeMutableBufferPointer { buf in
            for r in 0..<rows { row(r, into: buf.baseAddress! + r * cols) }
        }
        return out
    }
}

/// How activations enter quantized matrix products.
public enum ActivationPrecision: String, Sendable, CaseIterable {
    /// Quantized to 8 bit per block (Q8_0/Q8_1/Q8_K) for integer dot products: fast, and what
    /// llama.cpp does.
    case int8
    /// Kept in f32 against dequantized weights: exact up to f32 rounding.
    case f32
}

/// A 1-D f32 vector (norm weights, biases), copied out of its source.
public typealias FloatVector = [Float]
