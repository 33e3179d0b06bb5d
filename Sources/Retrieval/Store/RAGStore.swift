// RAGStore.swift: one SQLite file (through GRDB) holding a retrieval index: documents (path,
// content hash, tags), their chunks (text, offsets, heading path, embedding as a little-endian
// f32 BLOB), key/value metadata (embedding model identity and dimension, chunking, HNSW
// parameters), the persisted HNSW graph and the persisted BM25 index. Every update is one transaction: an interrupted
// indexing run leaves the previous state intact.
import Foundation
import GRDB

/// A chunk as stored.
public struct StoredChunk: Sendable, Equatable {
    public var id: Int64
    public var documentID: Int64
    public var source: String
    public var ordinal: Int
    public var text: String
    public var start: Int, end: Int
    public var headingPath: [String]
    public var tags: [String]
    public var embedding: [Float]

    public init(id: Int64, documentID: Int64, source: String, ordinal: Int, text: String, start: Int, end: Int,
                headingPath: [String], tags: [String], embedding: [Float]) {
        self.id = id; self.documentID = documentID; self.source = source; self.ordinal = ordinal; self.text = text
        self.start = start; self.end = end; self.headingPath = headingPath; self.tags = tags; self.embedding = embedding
    }
}

/// A document row.
public struct StoredDocument: Sendable, Equatable {
    public var id: Int64
    public var path: String
    public var hash: String
    public var tags: [String]
}

/// What one indexing run changes, applied atomically by `RAGStore.apply`.
public struct StoreUpdate {
    public var removedDocumentIDs: [Int64] = []
    public var added: [(document: (path: String, hash: String, tags: [String]), chunks: [(TextChunk, [Float])])] = []
    public var meta: [String: String] = [:]
    /// Rebuilds the graph given the chunk ids removed and the (id, vector) pairs added.
    public var updateGraph: ((_ removed: [Int64], _ added: [(Int64, [Float])]) throws -> Data)?
    /// Rebuilds the BM25 index given the chunk ids removed and the (id, keyword text) pairs added.
    public var updateKeywords: ((_ removed: [Int64], _ added: [(Int64, String)]) throws -> Data)?
    public init() {}
}

/// The SQLite store of a retrieval index.
public final class RAGStore {
    public let path: String
    let db: DatabaseQueue

    /// Opens (creating if needed) the database at `path`.
    public init(path: String) throws {
        self.path = path
        do {
            db = try DatabaseQueue(path: path)
            var m = DatabaseMigrator()
            m.registerMigration("v1") { db in
                try db.execute(sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE documents (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, hash TEXT NOT NULL,
                                            tags TEXT NOT NULL DEFAULT '', indexed_at REAL NOT NULL);
                    CREATE TABLE chunks (id INTEGER PRIMARY KEY, document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
                                         source TEXT NOT NULL, ordinal INTEGER NOT NULL, text TEXT NOT NULL,
                                         start INTEGER NOT NULL, "end" INTEGER NOT NULL, heading TEXT NOT NULL,
                                         embedding BLOB NOT NULL);
                    CREATE INDEX chunks_document ON chunks(document_id);
                    CREATE TABLE graph (id INTEGER PRIMARY KEY CHECK (id = 1), data BLOB NOT NULL);
                    """)
            }
            m.registerMigration("v2-keywords") { db in
                try db.execute(sql: "CREATE TABLE keywords (id INTEGER PRIMARY KEY CHECK (id = 1), data BLOB NOT NULL)")
            }
            try m.migrate(db)
        } catch {
            throw StoreError("\(path): cannot open the index database: \(Self.message(error))")
        }
    }

    static func message(_ e: Error) -> String {
        if let d = e as? DatabaseError { return d.message ?? "\(d.resultCode)" }
        return "\(e)"
    }

    /// All metadata.
    public func meta() throws -> [String: String] {
        try wrap { try db.read { db in
            try Row.fetchAll(db, sql: "SELECT key, value FROM meta").reduce(into: [:]) { $0[$1["key"] as String] = $1["value"] as String }
        } }
    }

    public func documents() throws -> [StoredDocument] {
        try wrap { try db.read { db in
            try Row.fetchAll(db, sql: "SELECT id, path, hash, tags FROM documents ORDER BY path").map {
                StoredDocument(id: $0["id"], path: $0["path"], hash: $0["hash"], tags: Self.list($0["tags"]))
            }
        } }
    }

    /// Every chunk with its document's tags, in id order.
    public func chunks() throws -> [StoredChunk] {
        try wrap { try db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT c.id, c.document_id, c.source, c.ordinal, c.text, c.start, c."end", c.heading, c.embedding, d.tags
                FROM chunks c JOIN documents d ON d.id = c.document_id ORDER BY c.id
                """).map { r in
                StoredChunk(id: r["id"], documentID: r["document_id"], source: r["source"], ordinal: r["ordinal"],
                            text: r["text"], start: r["start"], end: r["end"], headingPath: Self.list(r["heading"], sep: "\u{1F}"),
                            tags: Self.list(r["tags"]), embedding: Self.floats(r["embedding"]))
            }
        } }
    }

    /// The persisted HNSW graph, if any.
    public func graph() throws -> Data? {
        try wrap { try db.read { db in try Data.fetchOne(db, sql: "SELECT data FROM graph WHERE id = 1") } }
    }

    /// The persisted BM25 index, if any (stores made before it was persisted have none).
    public func keywordIndex() throws -> Data? {
        try wrap { try db.read { db in try Data.fetchOne(db, sql: "SELECT data FROM keywords WHERE id = 1") } }
    }

    /// Replaces the persisted graph alone (compaction), in one transaction.
    public func replaceGraph(_ data: Data) throws {
        try wrap { try db.write { db in
            try db.execute(sql: "INSERT INTO graph (id, data) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data",
                           arguments: [data])
        } }
    }

    /// Applies `u` in one transaction.
    public func apply(_ u: StoreUpdate) throws {
        try wrap { try db.write { db in
            var removedChunks: [Int64] = []
            for d in u.removedDocumentIDs {
                removedChunks += try Int64.fetchAll(db, sql: "SELECT id FROM chunks WHERE document_id = ?", arguments: [d])
                try db.execute(sql: "DELETE FROM documents WHERE id = ?", arguments: [d])
            }
            var addedVectors: [(Int64, [Float])] = []
            var addedTexts: [(Int64, String)] = []
            let now = Date().timeIntervalSince1970
            for (doc, chunks) in u.added {
                try db.execute(sql: "INSERT INTO documents (path, hash, tags, indexed_at) VALUES (?, ?, ?, ?)",
                               arguments: [doc.path, doc.hash, doc.tags.joined(separator: ","), now])
                let docID = db.lastInsertedRowID
                for (c, v) in chunks {
                    try db.execute(sql: """
                        INSERT INTO chunks (document_id, source, ordinal, text, start, "end", heading, embedding)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [docID, c.source, c.ordinal, c.text, c.start, c.end,
                                         c.headingPath.joined(separator: "\u{1F}"), Self.blob(v)])
                    addedVectors.append((db.lastInsertedRowID, v))
                    addedTexts.append((db.lastInsertedRowID, BM25Index.text(of: (c.headingPath, c.text))))
                }
            }
            for (k, v) in u.meta {
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                               arguments: [k, v])
            }
            if let g = u.updateGraph {
                let data = try g(removedChunks, addedVectors)
                try db.execute(sql: "INSERT INTO graph (id, data) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data",
                               arguments: [data])
            }
            if let k = u.updateKeywords {
                let data = try k(removedChunks, addedTexts)
                try db.execute(sql: "INSERT INTO keywords (id, data) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data",
                               arguments: [data])
            }
        } }
    }

    /// Runs raw SQL (tests use it to change rows behind the indexer's back).
    func execute(_ sql: String) throws { try wrap { try db.write { try $0.execute(sql: sql) } } }

    // MARK: encoding

    static func blob(_ v: [Float]) -> Data { v.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Data($0) } }

    static func floats(_ d: Data) -> [Float] {
        d.withUnsafeBytes { raw in (0..<(d.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) } }
    }

    static func list(_ s: String, sep: Character = ",") -> [String] { s.isEmpty ? [] : s.split(separator: sep, omittingEmptySubsequences: false).map(String.init) }

    func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as StoreError { throw e } catch let e as IngestError { throw e } catch {
            throw StoreError("\(path): \(Self.message(error))")
        }
    }
}

/// A database problem, naming the file.
public struct StoreError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ message: String) { description = message }
}
