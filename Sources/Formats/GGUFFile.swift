// GGUFFile.swift: a memory-mapped GGUF (v2, v3) file: metadata, tensor infos and tensor data in
// place. Every count, length and offset is checked against the file size, so a truncated or
// corrupted file gives a one-line FormatError, never a crash. Spec:
// https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
import Tensor

/// Where one tensor lives in a GGUF file. `dims` are in ggml order: dims[0] is the innermost
/// (row length); a 2-D weight of PyTorch shape (out, in) has dims [in, out].
public struct GGUFTensorInfo: Sendable {
    public let name: String
    public let dims: [Int]
    public let type: GGMLType
    /// Offset from the start of the file.
    public let fileOffset: Int
    public let byteCount: Int
    public var elementCount: Int { dims.reduce(1, *) }
}

/// A parsed, memory-mapped GGUF file.
public final class GGUFFile: @unchecked Sendable {
    public let path: String
    public let version: UInt32
    /// Metadata in file order, and by key.
    public let metadataKeys: [String]
    public let metadata: [String: GGUFValue]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    public let dataOffset: Int
    /// Bytes of magic, counts, metadata and tensor infos (before alignment padding).
    public let headerByteCount: Int
    let file: MappedFile
    private let tensorIndex: [String: Int]

    public var fileSize: Int { file.size }

    /// Opens and validates `path`.
    public init(path: String) throws {
        self.path = path
        file = try MappedFile(path: path)
        var r = ByteReader(base: file.base, size: file.size, path: path)
        let magic = try r.u32("magic")
        guard magic == 0x4655_4747 else {
            throw FormatError.corrupt(path: path, message: "bad magic (not a GGUF file)")
        }
        version = try r.u32("version")
        guard version == 2 || version == 3 else {
            throw FormatError.unsupported(path: path, message: "GGUF version \(version) (only 2 and 3 are read)")
        }
        let nTensors = try r.count("tensor count", minSize: 24)
        let nKV = try r.count("metadata count", minSize: 12)
        var keys: [String] = []
        var meta: [String: GGUFValue] = [:]
        keys.reserveCapacity(nKV)
        for i in 0..<nKV {
            let key = try r.string("metadata key #\(i)")
            let raw = try r.u32("type of '\(key)'")
            guard let t = GGUFValueType(rawValue: raw) else {
                throw FormatError.corrupt(path: path, message: "unknown value type \(raw) for key '\(key)'")
            }
            meta[key] = try r.value(t, key: key)
            keys.append(key)
        }
        metadataKeys = keys
        metadata = meta
        var align = 32
        if let a = meta["general.alignment"] {
            guard let v = a.int, v > 0, v & (v - 1) == 0 else {
                throw FormatError.corrupt(path: path, message: "general.alignment must be a power of two")
            }
            align = v
        }
        alignment = align
        var infos: [(String, [Int], GGMLType, Int)] = []
        infos.reserveCapacity(nTensors)
        for i in 0..<nTensors {
            let name = try r.string("tensor #\(i) name")
            let nd = Int(try r.u32("dimension count of '\(name)'"))
            guard (1...4).contains(nd) else {
                throw FormatError.corrupt(path: path, message: "tensor '\(name)' has \(nd) dimensions")
            }
            var dims: [Int] = []
            for _ in 0..<nd {
                let d = try r.u64("dimension of '\(name)'")
                guard d > 0, d < (1 << 40) else {
                    throw FormatError.corrupt(path: path, message: "tensor '\(name)' has dimension \(d)")
                }
                dims.append(Int(d))
            }
            let rawType = try r.u32("type of '\(name)'")
            guard let type = GGMLType(rawValue: Int32(bitPattern: rawType)) else {
                throw FormatError.corrupt(path: path, message: "tensor '\(name)' has unknown type \(rawType)")
            }
            let off = try r.u64("offset of '\(name)'")
            guard off < UInt64(file.size) else {
                throw FormatError.corrupt(path: path, message: "tensor '\(name)' offset \(off) is past the end of the file")
            }
            infos.append((name, dims, type, Int(off)))
        }
        headerByteCount = r.offset
        let dataStart = (r.offset + align - 1) / align * align
        dataOffset = dataStart
        var list: [GGUFTensorInfo] = []
        var index: [String: Int] = [:]
        for (name, dims, type, off) in infos {
            var n = 1
            for d in dims {
                let (m, o) = n.multipliedReportingOverflow(by: d)
                guard !o else { throw FormatError.corrupt(path: path, message: "tensor '\(name)' is too large") }
                n = m
            }
            guard dims[0] % type.blockElements == 0, let bytes = type.byteCount(elements: n) else {
                throw FormatError.corrupt(path: path, message: "tensor '\(name)' row of \(dims[0]) is not a whole number of \(type) blocks")
            }
            guard off % align == 0 else {
                throw FormatError.corrupt(path: path, message: "tensor '\(name)' offset \(off) is not aligned to \(align)")
            }
            let start = dataStart + off
            guard start <= file.size, bytes <= file.size - start else {
                throw FormatError.corrupt(path: path, message: "tensor '\(name)' is truncated (needs \(bytes) bytes at \(start), file has \(file.size))")
            }
            guard index[name] == nil else {
                throw FormatError.corrupt(path: path, message: "duplicate tensor '\(name)'")
            }
            index[name] = list.count
            list.append(GGUFTensorInfo(name: name, dims: dims, type: type, fileOffset: start, byteCount: bytes))
        }
        tensors = list
        tensorIndex = index
    }

    /// The tensor named `name`, if present.
    public func tensorInfo(_ name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// A pointer to the tensor's bytes inside the map (valid while this object lives).
    public func data(of info: GGUFTensorInfo) -> UnsafeRawPointer {
        file.base + info.fileOffset
    }

    /// The mapping itself, for holders that must keep the bytes alive.
    public var mapping: MappedFile { file }

    // MARK: typed metadata access

    public subscript(key: String) -> GGUFValue? { metadata[key] }

    public func string(_ key: String) -> String? { metadata[key]?.string }
    public func int(_ key: String) -> Int? { metadata[key]?.int }
    public func double(_ key: String) -> Double? { metadata[key]?.double }
    public func float(_ key: String) -> Float? { metadata[key]?.double.map(Float.init) }
    public func bool(_ key: String) -> Bool? { metadata[key]?.bool }

    /// Strings of a string-array key; nil if missing or not all strings.
    public func strings(_ key: String) -> [String]? {
        guard let a = metadata[key]?.array else { return nil }
        var out: [String] = []
        out.reserveCapacity(a.count)
        for v in a { guard let s = v.string else { return nil }; out.append(s) }
        return out
    }

    /// Numbers of a numeric-array key; nil if missing or not all numeric.
    public func doubles(_ key: String) -> [Double]? {
        guard let a = metadata[key]?.array else { return nil }
        var out: [Double] = []
        out.reserveCapacity(a.count)
        for v in a { guard let d = v.double else { return nil }; out.append(d) }
        return out
    }

    public func ints(_ key: String) -> [Int]? {
        guard let a = metadata[key]?.array else { return nil }
        var out: [Int] = []
        out.reserveCapacity(a.count)
        for v in a { guard let d = v.int else { return nil }; out.append(d) }
        return out
    }

    /// Like `int` but throws a FormatError naming the key when it is missing.
    public func requireInt(_ key: String) throws -> Int {
        guard let v = int(key) else { throw FormatError.missing(path: path, key: key) }
        return v
    }
}
