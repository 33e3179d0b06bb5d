// Indexer.swift: `tailor rag index`: walk paths, load and chunk new or changed files (content
// hash), embed their chunks, and apply everything to the store in one transaction together with
// the updated HNSW graph (compacted when more than 20% of its nodes are deleted) and BM25 index.
// Files under the given paths that disappeared lose their chunks. A store
// built with another embedding model is refused; a change of chunking re-chunks every file.
import Formats
import Foundation
import Models

/// Settings of one indexing run.
public struct IndexOptions {
    public var chunking: ChunkStrategy = .recursive(size: 200, overlap: 0)
    public var hnsw = HNSWParameters()
    public var jsonField = "text"
    public var tags: [String] = []
    public init() {}
}

/// What an indexing run did.
public struct IndexReport: Sendable, Equatable, Codable {
    public var added = 0, updated = 0, unchanged = 0, removed = 0, chunks = 0
    public var skipped: [String] = []
}

/// Brings a store up to date with files on disk.
public struct Indexer {
    public let store: RAGStore
    public let embedder: Embedder
    public var options: IndexOptions
    public var countTokens: (String) -> Int
    /// Called with (chunks embedded, chunks to embed).
    public var progress: ((Int, Int) -> Void)?

    public init(store: RAGStore, embedder: Embedder, options: IndexOptions, countTokens: @escaping (String) -> Int) {
        self.store = store; self.embedder = embedder; self.options = options; self.countTokens = countTokens
    }

    /// Indexes `paths` (files or folders, walked recursively; hidden entries skipped).
    public func run(paths: [String]) throws -> IndexReport {
        let meta = try store.meta()
        if let have = meta["embedder"], have != embedder.identity {
            throw StoreError("\(store.path) holds embeddings of '\(have)', not '\(embedder.identity)'; "
                + "index into a new --db, or use the same embedding model")
        }
        if let p = meta["hnsw"], p != Self.describe(options.hnsw) {
            throw StoreError("\(store.path) has an HNSW graph built with \(p), not \(Self.describe(options.hnsw)); use a new --db or the same parameters")
        }
        let rechunk = meta["chunking"].map { $0 != options.chunking.description } ?? false
        let files = try Self.walk(paths)
        let roots = paths.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        let existing = try store.documents()
        var byPath: [String: StoredDocument] = [:]
        for d in existing { byPath[d.path] = d }
        var report = IndexReport()
        var update = StoreUpdate()
        var pending: [(path: String, hash: String, chunks: [TextChunk])] = []
        let loader = DocumentLoader(jsonField: options.jsonField)
        let chunker = Chunker(strategy: options.chunking, countTokens: countTokens)
        for f in files {
            guard let data = FileManager.default.contents(atPath: f) else { report.skipped.append("\(f): cannot read"); continue }
            let hash = Self.contentHash(data)
            if let old = byPath[f], old.hash == hash, !rechunk, old.tags == options.tags { report.unchanged += 1; continue }
            let docs = try loader.load(path: f, data: data)
            if let old = byPath[f] { update.removedDocumentIDs.append(old.id); report.updated += 1 } else { report.added += 1 }
            pending.append((f, hash, docs.flatMap { chunker.chunk($0) }))
        }
        let seen = Set(files)
        for d in existing where !seen.contains(d.path) && roots.contains(where: { d.path == $0 || d.path.hasPrefix($0 + "/") }) {
            update.removedDocumentIDs.append(d.id)
            report.removed += 1
        }
        let texts = pending.flatMap { $0.chunks.map(\.text) }
        var vectors: [[Float]] = []
        for start in stride(from: 0, to: texts.count, by: 64) {
            vectors += try embedder.embed(Array(texts[start..<min(texts.count, start + 64)]))
            progress?(vectors.count, texts.count)
        }
        var k = 0
        for p in pending {
            let vs = Array(vectors[k..<(k + p.chunks.count)])
            k += p.chunks.count
            update.added.append(((p.path, p.hash, options.tags), Array(zip(p.chunks, vs))))
        }
        report.chunks = texts.count
        update.meta = ["embedder": embedder.identity, "dimension": String(embedder.dimension),
                       "chunking": options.chunking.description, "hnsw": Self.describe(options.hnsw)]
        let old = try store.graph()
        let (dim, params, path) = (embedder.dimension, options.hnsw, store.path)
        update.updateGraph = { removed, added in
            var g = try old.map { try HNSWIndex(serialized: $0, origin: path) } ?? HNSWIndex(dimension: dim, parameters: params)
            for id in removed { g.delete(id: id) }
            if g.needsCompaction { g = g.compacted() }
            for (id, v) in added { g.insert(id: id, vector: v) }
            return g.serialized()
        }
        // BM25 is kept up to date in the store; a store from before that gets it built once here.
        let oldKeywords = try store.keywordIndex()
        let legacy = oldKeywords == nil ? try store.chunks().map { ($0.id, BM25Index.text(of: ($0.headingPath, $0.text))) } : []
        update.updateKeywords = { removed, added in
            let k = try oldKeywords.map { try BM25Index(serialized: $0, origin: path) } ?? BM25Index()
            for (id, text) in legacy { k.add(id: id, text: text) }
            k.remove(ids: Set(removed))
            for (id, text) in added { k.add(id: id, text: text) }
            return k.serialized()
        }
        if update.removedDocumentIDs.isEmpty && update.added.isEmpty && meta["embedder"] != nil { return report }
        try store.apply(update)
        return report
    }

    static func describe(_ p: HNSWParameters) -> String { "M=\(p.M),efConstruction=\(p.efConstruction),seed=\(p.seed)" }

    /// Supported files under `paths`, sorted; a named file must have a supported extension.
    static func walk(_ paths: [String]) throws -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for p in paths {
            let root = URL(fileURLWithPath: p).standardizedFileURL.path
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: root, isDirectory: &isDir) else { throw IngestError("\(p): no such file or folder") }
            if !isDir.boolValue {
                guard DocumentLoader.extensions.contains(URL(fileURLWithPath: root).pathExtension.lowercased()) else {
                    throw IngestError("\(p): unsupported file type (supported: \(DocumentLoader.extensions.sorted().joined(separator: ", ")))")
                }
                out.append(root)
                continue
            }
            let e = fm.enumerator(at: URL(fileURLWithPath: root), includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
            while let u = e?.nextObject() as? URL {
                if DocumentLoader.extensions.contains(u.pathExtension.lowercased()),
                   (try? u.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                    out.append(u.standardizedFileURL.path)
                }
            }
        }
        return Array(Set(out)).sorted()
    }

    /// SHA-256 of the bytes, as "sha256:" + hex: detects changed files. (Stores written before
    /// SHA-256 hold FNV-1a hashes; those never match, so such files are re-indexed once.)
    public static func contentHash(_ d: Data) -> String { "sha256:" + SHA256.hexDigest(of: d) }
}
