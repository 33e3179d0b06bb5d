// WeightMatrix.swift: a 2-D weight in its stored ggml type (quantized or float), used in place
// (typically inside a memory-mapped file). Shapes follow PyTorch: (rows = out, cols = in).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CKernels

/// A (rows, cols) weight matrix whose rows are stored in `type` blocks at `data`.
public struct WeightMatrix: @unchecked Sendable {
    public let data: UnsafeRawPointer
    public let type: GGMLType
    public let rows: Int
    public let cols: Int
    /// Keeps the backing storage (a file mapping or an owned buffer) alive.
    public let owner: AnyObject?
    /// The same weights row-interleaved for the int8 kernels (tk_pack_weights), if packed.
    public let packed: PackedWeights?
    /// An unmerged low-rank correction (a LoRA adapter): every product, row and dequantization
    /// of this matrix includes it.
    public let correction: LowRankCorrection?

    public init(data: UnsafeRawPointer, type: GGMLType, rows: Int, cols: Int, owner: AnyObject?) {
        precondition(cols % type.blockElements == 0, "row length \(cols) is not a whole number of \(type) blocks")
        self.data = data
        self.type = type
        self.rows = rows
        self.cols = cols
        self.owner = owner
        self.packed = nil
        self.correction = nil
    }

    private init(_ m: WeightMatrix, packed: PackedWeights?, correction: LowRankCorrection?) {
        data = m.data; type = m.type; rows = m.rows; cols = m.cols; owner = m.owner
        self.packed = packed
        self.correction = correction
    }

    /// The same weights with `c` (rows × cols) added unmerged.
    public func withCorrection(_ c: LowRankCorrection) -> WeightMatrix {
        precondition(c.rows == rows && c.cols == cols, "correction (\(c.rows), \(c.cols)) for a (\(rows), \(cols)) weight")
        return WeightMatrix(self, packed: packed, correction: c)
    }

    /// A copy whose `.int8` products run on a row-interleaved copy of the weights in anonymous
    /// memory (16-row groups, see vecdot_packed.c and vecdot_packed_k.c), when that is faster on
    /// this CPU (Q4_0/Q4_1/Q8_0/Q5_0/Q5_1/Q4_K/Q5_K/Q6_K with AVX-512 VNNI; with AVX2 all but
    /// Q6_K; F16/BF16 from a file mapping are copied as they are, into large pages); else
    /// `self`. Packing runs over `pool`'s threads. When the original lies in a read-only file
    /// mapping (`ReadOnlyFileMapping`) and `releaseSource` is set, its pages are dropped from this
    /// process (madvise DONTNEED) so RSS does not hold both copies; they fault back in from the
    /// file if the exact path or `row(_:)` reads them. TAILOR_NO_PACK=1 in the environment turns
    /// packing off (for before/after measurements).
    public func packedForInference(releaseSource: Bool = true, pool: ThreadPool? = nil) -> WeightMatrix {
        guard packed == nil, tk_packed_preferred(type.rawValue) != 0, getenv("TAILOR_NO_PACK") == nil else { return self }
        let release = releaseSource && owner is ReadOnlyFileMapping
        // F16/BF16 "packing" is a copy into large pages: only worth it when the file pages can go
        if type == .f16 || type == .bf16, !release { return self }
        let n = tk_packed_bytes(type.rawValue, Int64(rows), Int64(cols))
        guard n > 0 else { return self }
        let buf = PackedWeights(bytes: n)
        // Groups of 16 rows are independent: pack 1024 rows at a time (over `pool`'s threads) and
        // drop each slice of the source right away, so peak RSS holds at most one slice twice.
        let groupBytes = tk_packed_bytes(type.rawValue, 16, Int64(cols)), slice = 1024
        for r0 in stride(from: 0, to: rows, by: slice) {
            let n = min(slice, rows - r0)
            guard tk_pack_weights_pool(data + r0 * rowBytes, type.rawValue, Int64(n), Int64(cols),
                                       buf.pointer + r0 / 16 * groupBytes, pool?.raw) == 0 else { return self }
            if release { releasePages(data + r0 * rowBytes, bytes: n * rowBytes) }
        }
        return WeightMatrix(self, packed: buf, correction: correction)
    }

    /// The packed weights as a plain matrix when packing only copied the rows (F16/BF16 into
    /// large pages): row lookups can read the copy instead of faulting the file's pages back in.
    public var rowMajorCopy: WeightMatrix? {
        guard let p = packed, type == .f16 || type == .bf16 else { return nil }
        let copy = WeightMatrix(data: UnsafeRawPointer(p.pointer), type: type, rows: rows, cols: cols, owner: p)
        return correction.map { copy.withCorrection($0) } ?? copy
    }

    /// Bytes of one stored row.
    public var rowBytes: Int { cols / type.blockElements * type.blockBytes }

    /// y(ntok, rows) = x(ntok, cols) · Wᵀ. With `.int8` activations (the default, as llama.cpp)
    /// x is quantized to 8 bit for integer dot products; `.f32` keeps it exact.
    public func matmul(_ x: UnsafePointer<Float>, tokens: Int, into y: UnsafeMutablePointer<Float>, pool: ThreadPool?,
                       activations: ActivationPrecision = .int8) {
        if activations != .f32, let p = packed {
            let rc = tk_matmul_packed_order(p.pointer, type.rawValue, Int64(rows), Int64(cols), x, Int64(tokens), y, pool?.raw,
                                            activations.blockOrder(tokens: tokens))
            precondition(rc == 0, "packed matmul failed for \(type) (\(rows), \(cols))")
        } else if activations != .f32, activations.blockOrder(tokens: tokens) != 0,
                  tk_matmul_rows_tiled(data, type.rawValue, Int64(rows), Int64(cols), x, Int64(tokens), y, pool?.raw) == 0 {
            // a prompt through the unpacked tile, for a K-quant kept in the file's layout (Q6_K with AVX2 only)
        } else {
            let rc = activations != .f32
                ? tk_matmul(data, type.rawValue, Int64(rows), Int64(cols), x, Int64(tokens), y, pool?.raw)
                : tk_matmul_exact(data, type.rawValue, Int64(rows), Int64(cols), x, Int64(tokens), y, pool?.raw)
            precondition(rc == 0, "matmul on unsupported type \(type)")
        }
        correction?.add(x, tokens: tokens, into: y)
    }

    /// y_i = x · W_iᵀ for matrices that read the same x (the Q, K and V projections; gate and
    /// up): one packed call that quantizes x once and runs all their rows in one pool run when
    /// they are all packed with one type and width, else one `matmul` each. Same results either way.
    public static func matmul(_ ms: [WeightMatrix], _ x: UnsafePointer<Float>, tokens: Int,
                              into ys: [UnsafeMutablePointer<Float>], pool: ThreadPool?,
                              activations: ActivationPrecision = .int8) {
        precondition(ms.count == ys.count, "one output per matrix")
        let first = ms.first
        let shared = activations != .f32 && ms.count >= 2 && ms.count <= Int(TK_PACKED_MAX_MATS)
            && ms.allSatisfy { $0.packed != nil && $0.type == first!.type && $0.cols == first!.cols }
        guard shared, let first else {
            for (m, y) in zip(ms, ys) { m.matmul(x, tokens: tokens, into: y, pool: pool, activations: activations) }
            return
        }
        let rc = withUnsafeTemporaryAllocation(of: UnsafeRawPointer?.self, capacity: ms.count) { p in
            withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>?.self, capacity: ms.count) { y in
                withUnsafeTemporaryAllocation(of: Int64.self, capacity: ms.count) { r in
                    for i in ms.indices {
                        p[i] = UnsafeRawPointer(ms[i].packed!.pointer)
                        y[i] = ys[i]
                        r[i] = Int64(ms[i].rows)
                    }
                    return tk_matmul_packed_multi(p.baseAddress!, r.baseAddress!, Int32(ms.count), first.type.rawValue,
                                                  Int64(first.cols), x, Int64(tokens), y.baseAddress!, pool?.raw,
                                                  activations.blockOrder(tokens: tokens))
                }
            }
        }
        precondition(rc == 0, "packed matmul failed for \(first.type) (\(ms.map(\.rows)), \(first.cols))")
        for (m, y) in zip(ms, ys) { m.correction?.add(x, tokens: tokens, into: y) }
    }

    /// Dequantizes row `i` into `out` (cols floats).
    public func row(_ i: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(i >= 0 && i < rows, "row \(i) out of range 0..<\(rows)")
        let rc = tk_dequantize_row(type.rawValue, data + i * rowBytes, out, Int64(cols))
        precondition(rc == 0, "dequantize on unsupported type \(type)")
        correction?.addRow(i, into: out)
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

/// Owned, 64-byte aligned storage of packed weights, in transparent huge pages where Linux
/// offers them (tk_huge_alloc: decode streams every weight once per token, and 2 MB pages spare
/// it ~25,000 TLB misses a step). TAILOR_NO_HUGEPAGES=1 keeps 4 KB pages (for comparisons).
public final class PackedWeights: @unchecked Sendable {
    public let pointer: UnsafeMutableRawPointer
    public let bytes: Int
    private let chunk: OpaquePointer?

    init(bytes: Int) {
        self.bytes = bytes
        var c: OpaquePointer?
        guard let p = tk_huge_alloc(max(bytes, 64), &c) else { fatalError("out of memory for \(bytes) bytes of packed weights") }
        pointer = p
        chunk = c
    }

    deinit { tk_huge_release(pointer, chunk) }
}

/// Marks storage that is a read-only, private file mapping: dropping its resident pages loses
/// nothing (they are read again from the file on the next access).
public protocol ReadOnlyFileMapping: AnyObject {}

/// Drops the whole pages inside [p, p + bytes) from this process's resident set.
private func releasePages(_ p: UnsafeRawPointer, bytes: Int) {
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    let start = (Int(bitPattern: p) + page - 1) / page * page
    let end = (Int(bitPattern: p) + bytes) / page * page
    guard end > start, let q = UnsafeMutableRawPointer(bitPattern: start) else { return }
    _ = madvise(q, end - start, MADV_DONTNEED)
}

/// How activations enter quantized matrix products.
public enum ActivationPrecision: String, Sendable, CaseIterable {
    /// Quantized to 8 bit per block (Q8_0/Q8_1/Q8_K) for integer dot products, as llama.cpp does
    /// (the default). Products over two or more tokens (prompts) run as `.int8Blocked`, one
    /// token (decoding) as `.int8Lanes`: the fastest order for each, equal up to float rounding.
    case int8
    /// Kept in f32 against dequantized weights: exact up to f32 rounding.
    case f32
    /// int8, and the packed kernels sum each block's (K-quants: super-block's) exact integer dot
    /// product once, whatever the token count: about half the work per token when several tokens
    /// share each weight read (prompts, batched decoding). Equal to `.int8Lanes` up to float
    /// rounding, not bit for bit; unpacked types run as `.int8Lanes`.
    case int8Blocked
    /// int8 summed in llama.cpp's eight float lanes per row (ggml's vec_dot order) whatever the
    /// token count, so logits track llama.cpp's single-token kernels as closely as possible.
    case int8Lanes

    /// 1 when the packed kernels sum in block order for a product over `tokens` tokens.
    func blockOrder(tokens: Int) -> Int32 {
        self == .int8Blocked || (self == .int8 && tokens >= 2) ? 1 : 0
    }
}

/// A 1-D f32 vector (norm weights, biases), copied out of its source.
public typealias FloatVector = [Float]
