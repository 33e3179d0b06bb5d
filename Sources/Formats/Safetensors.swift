// Safetensors.swift: a memory-mapped safetensors file (Hugging Face's format): an 8-byte
// little-endian header length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__":
// {string: string}}, then the tensor bytes. Every offset is checked against the file and against
// the dtype and shape, so a malformed file gives a one-line FormatError naming file and tensor.
// Spec: https://github.com/huggingface/safetensors (README, "Format"). Limits: little-endian
// hosts; the header is capped at 100 MB as the reference implementation does.
import Foundation
import Tensor
import CKernels

/// Element types of safetensors, spelled as in the header.
public enum SafetensorsDType: String, Sendable, CaseIterable {
    case bool = "BOOL", u8 = "U8", i8 = "I8", i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    case i32 = "I32", u32 = "U32", f32 = "F32", f64 = "F64", i64 = "I64", u64 = "U64"
    case f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8, .f8e4m3, .f8e5m2: 1
        case .i16, .u16, .f16, .bf16: 2
        case .i32, .u32, .f32: 4
        case .f64, .i64, .u64: 8
        }
    }
}

/// Where one tensor lives in a safetensors file.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: SafetensorsDType
    public let shape: [Int]
    /// Offset from the start of the file.
    public let fileOffset: Int
    public let byteCount: Int
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A parsed, memory-mapped safetensors file.
public final class SafetensorsFile: @unchecked Sendable {
    public let path: String
    /// The `__metadata__` strings (empty if absent).
    public let metadata: [String: String]
    /// Tensors in file (data offset) order.
    public let tensors: [SafetensorsTensorInfo]
    let file: MappedFile
    private let index: [String: Int]

    static let maxHeader = 100_000_000

    /// Opens and validates `path`.
    public init(path: String) throws {
        self.path = path
        file = try MappedFile(path: path)
        func bad(_ m: String) -> FormatError { .malformed(path: path, format: "safetensors", message: m) }
        guard file.size >= 8 else { throw bad("file is shorter than the 8-byte header length") }
        let n = UInt64(littleEndian: file.base.loadUnaligned(as: UInt64.self))
        guard n <= UInt64(Self.maxHeader) else { throw bad("header length \(n) is larger than 100 MB") }
        guard n <= UInt64(file.size - 8) else { throw bad("header length \(n) runs past the end of the file (\(file.size) bytes)") }
        let headerBytes = Data(bytes: file.base + 8, count: Int(n))
        guard headerBytes.first == UInt8(ascii: "{") else { throw bad("header does not start with '{'") }
        let json: Any
        do { json = try JSONSerialization.jsonObject(with: headerBytes) } catch {
            throw bad("header is not valid JSON")
        }
        guard let dict = json as? [String: Any] else { throw bad("header is not a JSON object") }
        let dataStart = 8 + Int(n), dataSize = file.size - dataStart
        var meta: [String: String] = [:]
        var list: [SafetensorsTensorInfo] = []
        for (name, entry) in dict {
            if name == "__metadata__" {
                guard let m = entry as? [String: Any] else { throw bad("__metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v as? String else { throw bad("__metadata__ value of '\(k)' is not a string") }
                    meta[k] = s
                }
                continue
            }
            list.append(try Self.parseEntry(name, entry, dataStart: dataStart, dataSize: dataSize, bad: bad))
        }
        list.sort { ($0.fileOffset, $0.name) < ($1.fileOffset, $1.name) }
        for (a, b) in zip(list, list.dropFirst()) where a.fileOffset + a.byteCount > b.fileOffset {
            throw bad("tensors '\(a.name)' and '\(b.name)' overlap")
        }
        metadata = meta
        tensors = list
        index = Dictionary(uniqueKeysWithValues: list.enumerated().map { ($1.name, $0) })
    }

    private static func parseEntry(_ name: String, _ entry: Any, dataStart: Int, dataSize: Int,
                                   bad: (String) -> FormatError) throws -> SafetensorsTensorInfo {
        guard let e = entry as? [String: Any] else { throw bad("tensor '\(name)': entry is not an object") }
        guard let ds = e["dtype"] as? String else { throw bad("tensor '\(name)': missing dtype") }
        guard let dtype = SafetensorsDType(rawValue: ds) else { throw bad("tensor '\(name)': unknown dtype '\(ds)'") }
        guard let shapeAny = e["shape"] as? [Any] else { throw bad("tensor '\(name)': missing shape") }
        var shape: [Int] = []
        var count = 1
        for d in shapeAny {
            guard let n = d as? NSNumber, let v = Int(exactly: n.doubleValue), v >= 0, v < (1 << 40) else {
                throw bad("tensor '\(name)': bad dimension \(d)")
            }
            let (m, o) = count.multipliedReportingOverflow(by: v)
            guard !o, m < (1 << 48) else { throw bad("tensor '\(name)': too many elements") }
            shape.append(v)
            count = m
        }
        guard let offs = e["data_offsets"] as? [Any], offs.count == 2,
              let b = (offs[0] as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) }),
              let en = (offs[1] as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) }) else {
            throw bad("tensor '\(name)': data_offsets must be two integers")
        }
        guard b >= 0, b <= en else { throw bad("tensor '\(name)': data_offsets [\(b), \(en)] are reversed or negative") }
        guard en <= dataSize else {
            throw bad("tensor '\(name)' is truncated (data_offsets end \(en), data section has \(dataSize) bytes)")
        }
        guard en - b == count * dtype.byteSize else {
            throw bad("tensor '\(name)': \(en - b) bytes for shape \(shape) of \(dtype.rawValue) (expected \(count * dtype.byteSize))")
        }
        return SafetensorsTensorInfo(name: name, dtype: dtype, shape: shape, fileOffset: dataStart + b, byteCount: en - b)
    }

    /// The tensor named `name`, if present.
    public func tensorInfo(_ name: String) -> SafetensorsTensorInfo? { index[name].map { tensors[$0] } }

    public func contains(_ name: String) -> Bool { index[name] != nil }

    /// A pointer to the tensor's bytes inside the map (valid while this object lives).
    public func data(of info: SafetensorsTensorInfo) -> UnsafeRawPointer { file.base + info.fileOffset }

    /// The mapping, for holders that must keep the bytes alive.
    public var mapping: MappedFile { file }

    private func require(_ name: String) throws -> SafetensorsTensorInfo {
        guard let i = tensorInfo(name) else { throw FormatError.missing(path: path, key: name) }
        return i
    }

    /// A floating-point tensor (F32, F16, BF16 or F64) converted to f32.
    public func floats(_ name: String) throws -> [Float] {
        let i = try require(name)
        guard [.f32, .f16, .bf16, .f64].contains(i.dtype) else {
            throw FormatError.unsupported(path: path, message: "tensor '\(name)' has dtype \(i.dtype.rawValue), expected a float type")
        }
        let n = i.elementCount, p = data(of: i)
        var out = [Float](repeating: 0, count: n)
        out.withUnsafeMutableBufferPointer { dst in
            switch i.dtype {
            case .f32: memcpy(dst.baseAddress!, p, n * 4)
            case .f16: tk_f16_to_f32_row(p.assumingMemoryBound(to: UInt16.self), dst.baseAddress!, Int64(n))
            case .bf16: tk_bf16_to_f32_row(p.assumingMemoryBound(to: UInt16.self), dst.baseAddress!, Int64(n))
            case .f64: for k in 0..<n { dst[k] = Float(p.loadUnaligned(fromByteOffset: k * 8, as: Double.self)) }
            default: break
            }
        }
        return out
    }

    /// An integer tensor (I64, I32, I16, I8, U8, U16, U32, BOOL) as Int (U64 is refused).
    public func ints(_ name: String) throws -> [Int] {
        let i = try require(name)
        let p = data(of: i)
        func load<T: FixedWidthInteger>(_: T.Type) -> [Int] {
            (0..<i.elementCount).map { Int(T(littleEndian: p.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self))) }
        }
        switch i.dtype {
        case .i64: return load(Int64.self)
        case .i32: return load(Int32.self)
        case .i16: return load(Int16.self)
        case .i8: return load(Int8.self)
        case .u8, .bool: return load(UInt8.self)
        case .u16: return load(UInt16.self)
        case .u32: return load(UInt32.self)
        default:
            throw FormatError.unsupported(path: path, message: "tensor '\(name)' has dtype \(i.dtype.rawValue), expected an integer type")
        }
    }
}
