// ByteReader.swift: a bounds-checked little-endian cursor over mapped bytes. Every read names
// what it was reading, so errors say which field ran past the end of the file.

struct ByteReader {
    let base: UnsafeRawPointer
    let size: Int
    let path: String
    var offset = 0

    init(base: UnsafeRawPointer, size: Int, path: String) {
        self.base = base
        self.size = size
        self.path = path
    }

    var remaining: Int { size - offset }

    mutating func need(_ n: Int, _ what: String) throws {
        guard n >= 0, n <= remaining else {
            throw FormatError.corrupt(path: path, message: "\(what) runs past the end of the file (offset \(offset))")
        }
    }

    mutating func scalar<T: FixedWidthInteger>(_ what: String, _: T.Type) throws -> T {
        try need(MemoryLayout<T>.size, what)
        let v = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    mutating func u32(_ what: String) throws -> UInt32 { try scalar(what, UInt32.self) }
    mutating func u64(_ what: String) throws -> UInt64 { try scalar(what, UInt64.self) }

    /// A u64 count whose elements each take at least `minSize` bytes, checked against the file.
    mutating func count(_ what: String, minSize: Int) throws -> Int {
        let n = try u64(what)
        guard n <= UInt64(remaining / max(minSize, 1)) else {
            throw FormatError.corrupt(path: path, message: "\(what) \(n) is larger than the file can hold")
        }
        return Int(n)
    }

    mutating func string(_ what: String) throws -> String {
        let n = try u64("length of \(what)")
        guard n <= UInt64(remaining) else {
            throw FormatError.corrupt(path: path, message: "\(what): string length \(n) runs past the end of the file")
        }
        let len = Int(n)
        let buf = UnsafeRawBufferPointer(start: base + offset, count: len)
        offset += len
        return String(decoding: buf, as: UTF8.self)
    }

    mutating func value(_ t: GGUFValueType, key: String) throws -> GGUFValue {
        let what = "value of '\(key)'"
        switch t {
        case .uint8: return .uint8(try scalar(what, UInt8.self))
        case .int8: return .int8(try scalar(what, Int8.self))
        case .uint16: return .uint16(try scalar(what, UInt16.self))
        case .int16: return .int16(try scalar(what, Int16.self))
        case .uint32: return .uint32(try scalar(what, UInt32.self))
        case .int32: return .int32(try scalar(what, Int32.self))
        case .uint64: return .uint64(try scalar(what, UInt64.self))
        case .int64: return .int64(try scalar(what, Int64.self))
        case .float32: return .float32(Float(bitPattern: try scalar(what, UInt32.self)))
        case .float64: return .float64(Double(bitPattern: try scalar(what, UInt64.self)))
        case .bool:
            let b = try scalar(what, UInt8.self)
            guard b <= 1 else { throw FormatError.corrupt(path: path, message: "\(what): bool byte \(b)") }
            return .bool(b == 1)
        case .string: return .string(try string(what))
        case .array:
            let raw = try u32("element type of '\(key)'")
            guard let et = GGUFValueType(rawValue: raw) else {
                throw FormatError.corrupt(path: path, message: "unknown array element type \(raw) for key '\(key)'")
            }
            let n = try count("array length of '\(key)'", minSize: et.minimumSize)
            var items: [GGUFValue] = []
            items.reserveCapacity(n)
            for _ in 0..<n { items.append(try value(et, key: key)) }
            return .array(et, items)
        }
    }
}
