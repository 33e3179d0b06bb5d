// HNSW+Persist.swift: the graph as one binary blob (stored in SQLite so a restart does not
// rebuild it). Layout, little-endian: "TKHNSW01", then Int64 fields (dimension, M, efConstruction,
// efSearch, seed, rng state, entry, maxLevel, node count, link0 count) followed by the arrays
// ids (Int64), levels (Int32), deleted (UInt8), vectors (f32), link0 (Int32), and per node its
// upper-level link count (Int64) and links (Int32). Vectors of deleted nodes stay: they route.
import Foundation

extension HNSWIndex {
    static let magic = Array("TKHNSW01".utf8)

    /// The whole index as bytes.
    public func serialized() -> Data {
        var d = Data(Self.magic)
        func i64(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
        func arr<T>(_ a: [T]) { a.withUnsafeBytes { d.append(contentsOf: $0) } }
        for v in [Int64(dimension), Int64(parameters.M), Int64(parameters.efConstruction), Int64(parameters.efSearch),
                  Int64(bitPattern: parameters.seed), Int64(bitPattern: rng), Int64(entry), Int64(maxLevel),
                  Int64(ids.count), Int64(link0.count)] { i64(v) }
        arr(ids); arr(levels); arr(deleted.map { $0 ? UInt8(1) : 0 }); arr(vectors); arr(link0)
        for u in upper { i64(Int64(u.count)); arr(u) }
        return d
    }

    /// Reads `serialized()` bytes; `origin` names them in errors.
    public convenience init(serialized d: Data, origin: String) throws {
        func bad(_ m: String) -> IngestError { IngestError("\(origin): HNSW graph \(m)") }
        var pos = 0
        func take(_ n: Int) throws -> Data {
            guard n >= 0, pos + n <= d.count else { throw bad("is truncated") }
            defer { pos += n }
            return d.subdata(in: (d.startIndex + pos)..<(d.startIndex + pos + n))
        }
        func i64() throws -> Int64 { Int64(littleEndian: try take(8).withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }) }
        func arr<T>(_ n: Int, _: T.Type) throws -> [T] {
            guard n >= 0, n < 1 << 40 else { throw bad("has a bad length") }
            let bytes = try take(n * MemoryLayout<T>.stride)
            return bytes.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
        }
        guard Array(try take(8)) == Self.magic else { throw bad("has a bad header") }
        let h = try (0..<10).map { _ in try i64() }
        guard h[0] > 0, h[1] >= 2, h[8] >= 0, h[9] == h[8] * (1 + 2 * h[1]) else { throw bad("has inconsistent sizes") }
        self.init(dimension: Int(h[0]), parameters: HNSWParameters(M: Int(h[1]), efConstruction: Int(h[2]), efSearch: Int(h[3]),
                                                                    seed: UInt64(bitPattern: h[4])))
        let n = Int(h[8])
        rng = UInt64(bitPattern: h[5]); entry = Int32(h[6]); maxLevel = Int32(h[7])
        ids = try arr(n, Int64.self)
        levels = try arr(n, Int32.self)
        deleted = try arr(n, UInt8.self).map { $0 != 0 }
        deletedCount = deleted.lazy.filter { $0 }.count
        vectors = try arr(n * dimension, Float.self)
        appendHalfs(vectors)
        link0 = try arr(Int(h[9]), Int32.self)
        upper = try (0..<n).map { i in
            let c = Int(try i64())
            guard c == Int(levels[i]) * (1 + parameters.M) else { throw bad("node \(i) has a bad upper-level size") }
            return try arr(c, Int32.self)
        }
        guard pos == d.count, entry < Int32(n), (n == 0) == (entry < 0) else { throw bad("has trailing bytes or a bad entry point") }
        for l in link0 where l < 0 || l >= Int32(max(n, 2 * parameters.M + 1)) { throw bad("has a link out of range") }
        nodeOf = Dictionary(ids.enumerated().filter { !deleted[$0.offset] }.map { ($0.element, Int32($0.offset)) },
                            uniquingKeysWith: { a, _ in a })
        visited = [UInt32](repeating: 0, count: n)
    }
}
