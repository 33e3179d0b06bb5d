// BM25+Persist.swift: the keyword index as one binary blob (stored in SQLite next to the HNSW
// graph, so opening a store does not re-tokenize every chunk), and removal of documents for
// incremental updates. Layout, little-endian: "TKBM2501", k1 (f64), b (f64), idf kind (Int64:
// 0 Lucene, 1 Okapi) and ε (f64), document count n (Int64), ids (n Int64), lengths (n Int32),
// term count (Int64), then per term in sorted order: UTF-8 byte count (Int32), the bytes,
// posting count (Int32), postings as (document index Int32, tf Int32).
import Foundation

extension BM25Index {
    static let magic = Array("TKBM2501".utf8)

    /// The whole index as bytes (terms sorted, so equal indexes give equal bytes).
    public func serialized() -> Data {
        var d = Data(Self.magic)
        func put<T>(_ v: T) { withUnsafeBytes(of: v) { d.append(contentsOf: $0) } }
        put(k1.bitPattern.littleEndian); put(b.bitPattern.littleEndian)
        switch idfKind {
        case .lucene: put(Int64(0).littleEndian); put(Double(0).bitPattern.littleEndian)
        case .okapi(let e): put(Int64(1).littleEndian); put(e.bitPattern.littleEndian)
        }
        put(Int64(ids.count).littleEndian)
        for id in ids { put(id.littleEndian) }
        for l in lengths { put(Int32(l).littleEndian) }
        put(Int64(postings.count).littleEndian)
        for t in postings.keys.sorted() {
            let bytes = Array(t.utf8)
            put(Int32(bytes.count).littleEndian)
            d.append(contentsOf: bytes)
            let p = postings[t]!
            put(Int32(p.count).littleEndian)
            for (doc, tf) in p { put(Int32(doc).littleEndian); put(Int32(tf).littleEndian) }
        }
        return d
    }

    /// Reads `serialized()` bytes; `origin` names them in errors.
    public convenience init(serialized d: Data, origin: String) throws {
        func bad(_ m: String) -> IngestError { IngestError("\(origin): BM25 index \(m)") }
        let bytes = [UInt8](d)
        var pos = 0
        func need(_ n: Int) throws { guard n >= 0, pos + n <= bytes.count else { throw bad("is truncated") } }
        func u64() throws -> UInt64 {
            try need(8)
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(bytes[pos + i]) << (8 * UInt64(i)) }
            pos += 8
            return v
        }
        func i32() throws -> Int {
            try need(4)
            let v = UInt32(bytes[pos]) | UInt32(bytes[pos + 1]) << 8 | UInt32(bytes[pos + 2]) << 16 | UInt32(bytes[pos + 3]) << 24
            pos += 4
            return Int(Int32(bitPattern: v))
        }
        try need(8)
        guard Array(bytes[0..<8]) == Self.magic else { throw bad("has a bad header") }
        pos = 8
        let k1 = Double(bitPattern: try u64()), b = Double(bitPattern: try u64())
        let kind = Int64(bitPattern: try u64()), eps = Double(bitPattern: try u64())
        guard kind == 0 || kind == 1 else { throw bad("has an unknown idf kind \(kind)") }
        self.init(k1: k1, b: b, idf: kind == 0 ? .lucene : .okapi(epsilon: eps))
        let n = Int(Int64(bitPattern: try u64()))
        guard n >= 0, n <= bytes.count else { throw bad("has a bad document count") }
        ids = try (0..<n).map { _ in Int64(bitPattern: try u64()) }
        lengths = try (0..<n).map { _ in try i32() }
        let terms = Int(Int64(bitPattern: try u64()))
        guard terms >= 0, terms <= bytes.count else { throw bad("has a bad term count") }
        postings.reserveCapacity(terms)
        for _ in 0..<terms {
            let len = try i32()
            try need(len)
            guard let t = String(bytes: bytes[pos..<(pos + len)], encoding: .utf8) else { throw bad("has a term that is not UTF-8") }
            pos += len
            let c = try i32()
            guard c >= 0, c <= n else { throw bad("has a bad posting count for '\(t)'") }
            var p: [(doc: Int, tf: Int)] = []
            p.reserveCapacity(c)
            for _ in 0..<c {
                let doc = try i32(), tf = try i32()
                guard doc >= 0, doc < n, tf > 0 else { throw bad("has a posting out of range for '\(t)'") }
                p.append((doc, tf))
            }
            postings[t] = p
        }
        guard pos == bytes.count else { throw bad("has trailing bytes") }
    }

    /// Removes the documents with these ids (documents after them move down; postings keep order).
    public func remove(ids gone: Set<Int64>) {
        guard !gone.isEmpty else { return }
        var newIndex = [Int](repeating: -1, count: ids.count)
        var keptIDs: [Int64] = [], keptLengths: [Int] = []
        for (i, id) in ids.enumerated() where !gone.contains(id) {
            newIndex[i] = keptIDs.count
            keptIDs.append(id); keptLengths.append(lengths[i])
        }
        guard keptIDs.count != ids.count else { return }
        ids = keptIDs
        lengths = keptLengths
        var out: [String: [(doc: Int, tf: Int)]] = [:]
        out.reserveCapacity(postings.count)
        for (t, p) in postings {
            let q = p.compactMap { newIndex[$0.doc] >= 0 ? (doc: newIndex[$0.doc], tf: $0.tf) : nil }
            if !q.isEmpty { out[t] = q }
        }
        postings = out
        idfCache = nil
    }

    /// The text a chunk is indexed under: its heading path, then its text.
    public static func text(of chunk: (headingPath: [String], text: String)) -> String {
        ([chunk.headingPath.joined(separator: " ")] + [chunk.text]).joined(separator: " ")
    }
}
