// SafetensorsWriter.swift: builds a safetensors file and writes it atomically (a temporary file
// in the destination's directory, fsync, rename), so a failure never leaves a half-written file.
// Tensors keep the order they were added; the header is padded with spaces so the data section
// starts on an 8-byte boundary (as the Python `safetensors` package writes). Limits: the whole
// file is assembled in memory before writing (fine for adapters and small checkpoints).
import Foundation
import Tensor
import CKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Collects tensors and metadata, then writes one safetensors file.
public struct SafetensorsWriter {
    private var entries: [(name: String, dtype: SafetensorsDType, shape: [Int], bytes: Data)] = []
    /// Strings stored under `__metadata__`.
    public var metadata: [String: String]

    public init(metadata: [String: String] = [:]) { self.metadata = metadata }

    /// Adds raw little-endian bytes of `dtype` elements in `shape`.
    public mutating func add(_ name: String, dtype: SafetensorsDType, shape: [Int], bytes: Data) {
        precondition(name != "__metadata__" && !entries.contains { $0.name == name }, "duplicate or reserved tensor name '\(name)'")
        precondition(bytes.count == shape.reduce(1, *) * dtype.byteSize, "'\(name)': \(bytes.count) bytes for \(shape) \(dtype.rawValue)")
        entries.append((name, dtype, shape, bytes))
    }

    /// Adds f32 values stored as `dtype` (F32, F16 or BF16; F16/BF16 round to nearest even).
    public mutating func add(_ name: String, floats: [Float], shape: [Int], dtype: SafetensorsDType = .f32) {
        precondition(floats.count == shape.reduce(1, *), "'\(name)': \(floats.count) values for shape \(shape)")
        var data: Data
        switch dtype {
        case .f32:
            data = floats.withUnsafeBufferPointer { Data(buffer: $0) }
        case .f16, .bf16:
            var half = [UInt16](repeating: 0, count: floats.count)
            floats.withUnsafeBufferPointer { src in
                half.withUnsafeMutableBufferPointer { dst in
                    if dtype == .f16 { tk_f32_to_f16_row(src.baseAddress!, dst.baseAddress!, Int64(floats.count)) }
                    else { tk_f32_to_bf16_row(src.baseAddress!, dst.baseAddress!, Int64(floats.count)) }
                }
            }
            data = half.withUnsafeBufferPointer { Data(buffer: $0) }
        default:
            preconditionFailure("add(floats:) stores F32, F16 or BF16, not \(dtype.rawValue)")
        }
        add(name, dtype: dtype, shape: shape, bytes: data)
    }

    /// Adds integers stored as I64 or I32.
    public mutating func add(_ name: String, ints: [Int], shape: [Int], dtype: SafetensorsDType = .i64) {
        let data: Data
        switch dtype {
        case .i64: data = ints.map { Int64($0).littleEndian }.withUnsafeBufferPointer { Data(buffer: $0) }
        case .i32: data = ints.map { Int32($0).littleEndian }.withUnsafeBufferPointer { Data(buffer: $0) }
        default: preconditionFailure("add(ints:) stores I64 or I32, not \(dtype.rawValue)")
        }
        add(name, dtype: dtype, shape: shape, bytes: data)
    }

    /// The complete file contents.
    public func serialized() throws -> Data {
        var header: [String: Any] = [:]
        var offset = 0
        for e in entries {
            header[e.name] = ["dtype": e.dtype.rawValue, "shape": e.shape, "data_offsets": [offset, offset + e.bytes.count]]
            offset += e.bytes.count
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        let pad = (8 - (8 + json.count) % 8) % 8
        json.append(contentsOf: [UInt8](repeating: UInt8(ascii: " "), count: pad))
        var out = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for e in entries { out.append(e.bytes) }
        return out
    }

    /// Writes the file to `path` atomically.
    public func write(to path: String) throws {
        let data = try serialized()
        let dir = (path as NSString).deletingLastPathComponent
        let tmp = (dir.isEmpty ? "." : dir) + "/.\((path as NSString).lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw FormatError.io(path: path, message: "cannot create file: \(String(cString: strerror(errno)))") }
        var ok = data.withUnsafeBytes { buf -> Bool in
            var off = 0
            while off < buf.count {
                let n = Foundation.write(fd, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { return false }
                off += n
            }
            return fsync(fd) == 0
        }
        let err = String(cString: strerror(errno))
        ok = close(fd) == 0 && ok
        guard ok else { unlink(tmp); throw FormatError.io(path: path, message: "write failed: \(err)") }
        guard rename(tmp, path) == 0 else {
            let m = String(cString: strerror(errno))
            unlink(tmp)
            throw FormatError.io(path: path, message: "cannot replace file: \(m)")
        }
    }
}
