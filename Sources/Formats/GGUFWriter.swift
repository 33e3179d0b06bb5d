// GGUFWriter.swift: writes GGUF v3 files (the layout GGUFFile reads and llama.cpp's gguf.c
// writes): magic, version, counts, metadata key/values in insertion order, tensor infos (dims
// innermost first, type, offset relative to the aligned data section), then the tensor data,
// each tensor padded to `general.alignment` (32 unless set). Output goes to a temporary file in
// the destination's directory and is renamed into place only when complete, so a failure never
// leaves a half-written model. Tensor bytes are produced one tensor at a time (lazily), so a
// merged model is never held in memory whole.
import Foundation
import Tensor

/// Collects metadata and tensors, then writes one GGUF file.
public struct GGUFWriter {
    private var kv: [(String, GGUFValue)] = []
    private var tensors: [(name: String, dims: [Int], type: GGMLType, bytes: Int, data: () throws -> Data)] = []

    public init() {}

    public var alignment: Int { kv.first { $0.0 == "general.alignment" }?.1.int ?? 32 }

    /// Sets (or replaces) a metadata value, keeping the first insertion position.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if let i = kv.firstIndex(where: { $0.0 == key }) { kv[i].1 = value } else { kv.append((key, value)) }
    }

    /// Removes a metadata key.
    public mutating func remove(_ key: String) { kv.removeAll { $0.0 == key } }

    /// Adds a tensor of `dims` (PyTorch order: outermost first, e.g. (rows, cols)) whose stored
    /// bytes `data` returns when the file is written.
    public mutating func addTensor(_ name: String, shape: [Int], type: GGMLType, data: @escaping () throws -> Data) {
        precondition(!tensors.contains { $0.name == name }, "duplicate tensor '\(name)'")
        let n = shape.reduce(1, *)
        precondition(shape.last! % type.blockElements == 0, "'\(name)': row of \(shape.last!) is not a whole number of \(type) blocks")
        tensors.append((name, Array(shape.reversed()), type, n / type.blockElements * type.blockBytes, data))
    }

    /// Adds an f32 tensor.
    public mutating func addTensor(_ name: String, shape: [Int], floats: [Float]) {
        precondition(floats.count == shape.reduce(1, *), "'\(name)': \(floats.count) values for \(shape)")
        addTensor(name, shape: shape, type: .f32) { floats.withUnsafeBufferPointer { Data(buffer: $0) } }
    }

    /// Writes the file to `path` (temporary file + rename).
    public func write(to path: String) throws {
        let align = alignment
        var head = Data()
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { head.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { head.append(contentsOf: $0) } }
        func str(_ s: String) { u64(UInt64(s.utf8.count)); head.append(contentsOf: Array(s.utf8)) }
        func value(_ v: GGUFValue, typed: Bool) {
            func t(_ x: GGUFValueType) { if typed { u32(x.rawValue) } }
            switch v {
            case .uint8(let x): t(.uint8); head.append(x)
            case .int8(let x): t(.int8); head.append(UInt8(bitPattern: x))
            case .uint16(let x): t(.uint16); withUnsafeBytes(of: x.littleEndian) { head.append(contentsOf: $0) }
            case .int16(let x): t(.int16); withUnsafeBytes(of: x.littleEndian) { head.append(contentsOf: $0) }
            case .uint32(let x): t(.uint32); u32(x)
            case .int32(let x): t(.int32); u32(UInt32(bitPattern: x))
            case .float32(let x): t(.float32); u32(x.bitPattern)
            case .bool(let x): t(.bool); head.append(x ? 1 : 0)
            case .string(let s): t(.string); str(s)
            case .uint64(let x): t(.uint64); u64(x)
            case .int64(let x): t(.int64); u64(UInt64(bitPattern: x))
            case .float64(let x): t(.float64); u64(x.bitPattern)
            case .array(let et, let items):
                t(.array); u32(et.rawValue); u64(UInt64(items.count))
                for i in items { value(i, typed: false) }
            }
        }
        u32(0x4655_4747); u32(3); u64(UInt64(tensors.count)); u64(UInt64(kv.count))
        for (k, v) in kv { str(k); value(v, typed: true) }
        var offset = 0
        for t in tensors {
            str(t.name); u32(UInt32(t.dims.count)); for d in t.dims { u64(UInt64(d)) }
            u32(UInt32(bitPattern: t.type.rawValue)); u64(UInt64(offset))
            offset += (t.bytes + align - 1) / align * align
        }
        head.append(Data(count: (align - head.count % align) % align))

        let dir = (path as NSString).deletingLastPathComponent
        let tmp = (dir.isEmpty ? "." : dir) + "/.\((path as NSString).lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        guard FileManager.default.createFile(atPath: tmp, contents: nil), let fh = FileHandle(forWritingAtPath: tmp) else {
            throw FormatError.io(path: path, message: "cannot create file")
        }
        do {
            try fh.write(contentsOf: head)
            for t in tensors {
                let d = try t.data()
                guard d.count == t.bytes else { throw FormatError.io(path: path, message: "tensor '\(t.name)' produced \(d.count) bytes, expected \(t.bytes)") }
                try fh.write(contentsOf: d)
                try fh.write(contentsOf: Data(count: (align - d.count % align) % align))
            }
            try fh.synchronize()
            try fh.close()
            if FileManager.default.fileExists(atPath: path) { _ = try FileManager.default.replaceItemAt(URL(fileURLWithPath: path), withItemAt: URL(fileURLWithPath: tmp)) } else {
                try FileManager.default.moveItem(atPath: tmp, toPath: path)
            }
        } catch {
            try? fh.close()
            try? FileManager.default.removeItem(atPath: tmp)
            if let e = error as? FormatError { throw e }
            throw FormatError.io(path: path, message: "write failed: \(error)")
        }
    }
}
