// HNSW.swift: hierarchical navigable small-world graph for approximate inner-product search
// (Malkov & Yashunin, TPAMI 2018: Algorithms 1, 2 and 4 — insert, search-layer and the neighbour
// selection heuristic, as hnswlib implements them). Distance = 1 − dot (unit vectors).
// Deterministic: levels come from a SplitMix64 seeded by `seed`, so the same inserts in the same
// order give the same graph. Delete marks a tombstone (as hnswlib's markDelete): the node still
// routes searches but is never returned. Layout: level-0 links in one flat array of
// (1 + 2M) Int32 per node (count, then ids); upper levels per node, (1 + M) per level.
// Graph distances (insertion, routing, candidate lists) read an f16 copy of the vectors: the
// build and searches are bound by memory traffic once the vectors leave the cache, and f16
// halves it (rounding error ~2^-11 per component, far below neighbour distance gaps); the hits
// a search returns are re-ranked by exact f32 dot products.
import CKernels
import Foundation

/// HNSW build and search parameters.
public struct HNSWParameters: Codable, Sendable, Equatable {
    /// Links per node on upper levels (2M on level 0).
    public var M: Int = 16
    /// Candidate list size while inserting.
    public var efConstruction: Int = 200
    /// Candidate list size while searching (raised to k when smaller).
    public var efSearch: Int = 64
    public var seed: UInt64 = 42

    public init(M: Int = 16, efConstruction: Int = 200, efSearch: Int = 64, seed: UInt64 = 42) {
        self.M = M; self.efConstruction = efConstruction; self.efSearch = efSearch; self.seed = seed
    }
}

/// An HNSW graph over unit vectors.
public final class HNSWIndex {
    public let dimension: Int
    public let parameters: HNSWParameters
    var vectors: [Float] = []
    /// f16 copy of `vectors` for graph traversal (rebuilt from them when a graph is loaded).
    var vectors16: [UInt16] = []
    /// Scratch row for node-to-node distances (withHalfRow).
    var halfRow: [Float] = []
    public internal(set) var ids: [Int64] = []
    var nodeOf: [Int64: Int32] = [:]
    var levels: [Int32] = []
    var deleted: [Bool] = []
    var deletedCount = 0
    var link0: [Int32] = []
    var upper: [[Int32]] = []
    var entry: Int32 = -1
    var maxLevel: Int32 = -1
    var rng: UInt64
    var visited: [UInt32] = []
    var visitTag: UInt32 = 0
    /// Heaps reused across searches (no allocation per query once they have grown).
    var scratchCandidates = Heap(minFirst: true)
    var scratchResults = Heap(minFirst: false)
    /// Buffers of the C level-0 loop (candidates, results heap, sorted output), grown as needed.
    private var cBuffers: UnsafeMutablePointer<tk_hnsw_item>?
    private var cCapacity = 0

    deinit { cBuffers?.deallocate() }

    var m0: Int { 2 * parameters.M }

    public init(dimension: Int, parameters: HNSWParameters = HNSWParameters()) {
        precondition(parameters.M >= 2 && parameters.efConstruction >= 1, "HNSW: M >= 2 and efConstruction >= 1")
        self.dimension = dimension
        self.parameters = parameters
        rng = parameters.seed
    }

    /// Nodes, including deleted ones.
    public var nodeCount: Int { ids.count }
    /// Live (not deleted) vectors.
    public var count: Int { ids.count - deletedCount }
    public func contains(id: Int64) -> Bool { nodeOf[id].map { !deleted[Int($0)] } ?? false }

    // MARK: insert / delete

    /// Inserts `vector` under `id` (an id deleted before may be inserted again; a live id may not).
    public func insert(id: Int64, vector: [Float]) {
        precondition(vector.count == dimension, "HNSW: vector of \(vector.count) dims, index has \(dimension)")
        precondition(!contains(id: id), "HNSW: id \(id) is already present")
        let node = Int32(ids.count)
        ids.append(id); nodeOf[id] = node; deleted.append(false)
        vectors.append(contentsOf: vector)
        appendHalfs(vector)
        let level = randomLevel()
        levels.append(level)
        link0.append(contentsOf: [Int32](repeating: 0, count: 1 + m0))
        upper.append(level > 0 ? [Int32](repeating: 0, count: Int(level) * (1 + parameters.M)) : [])
        visited.append(0)
        guard entry >= 0 else { entry = node; maxLevel = level; return }
        var ep = entry
        var epDist = dist(node, ep)
        if maxLevel > level {
            for lc in stride(from: maxLevel, to: level, by: -1) { (ep, epDist) = greedy(vectorOf: node, from: ep, dist: epDist, level: lc) }
        }
        var eps = [(epDist, ep)]
        for lc in stride(from: min(level, maxLevel), through: 0, by: -1) {
            let w = searchLayer(query: node, entries: eps, ef: parameters.efConstruction, level: lc, filter: nil, includeDeleted: true)
            let mMax = lc == 0 ? m0 : parameters.M
            let chosen = selectNeighbors(w, m: parameters.M)
            setLinks(node, lc, chosen.map(\.1))
            for (_, e) in chosen {
                var cur = links(e, lc)
                if cur.count < mMax { cur.append(node) } else {
                    let cand = distances(from: e, to: cur + [node]).sorted { $0 < $1 }
                    cur = selectNeighbors(cand, m: mMax).map(\.1)
                }
                setLinks(e, lc, cur)
            }
            eps = w
        }
        if level > maxLevel { maxLevel = level; entry = node }
    }

    /// Marks `id` deleted; returns false if it was not live.
    @discardableResult
    public func delete(id: Int64) -> Bool {
        guard let n = nodeOf[id], !deleted[Int(n)] else { return false }
        deleted[Int(n)] = true
        deletedCount += 1
        return true
    }

    // MARK: search

    /// The k nearest live ids to `query` by inner product, best first (score = dot product).
    public func search(_ query: [Float], k: Int, ef: Int? = nil, filter: ((Int64) -> Bool)? = nil) -> [SearchHit] {
        precondition(query.count == dimension, "HNSW: query of \(query.count) dims, index has \(dimension)")
        guard entry >= 0, k > 0 else { return [] }
        return query.withUnsafeBufferPointer { q -> [SearchHit] in
            let qp = q.baseAddress!
            var ep = entry
            var epDist = distTo(qp, ep)
            for lc in stride(from: maxLevel, to: 0, by: -1) { (ep, epDist) = greedy(qp, from: ep, dist: epDist, level: lc) }
            if filter == nil {
                return withUnsafeTemporaryAllocation(of: tk_hnsw_item.self, capacity: 1) { e in
                    e[0] = tk_hnsw_item(d: epDist, n: ep)
                    let found = searchLevel0(qp, entries: UnsafeBufferPointer(e), ef: max(ef ?? parameters.efSearch, k), includeDeleted: false)
                    return exactTop(qp, found.map(\.n), k: k)
                }
            }
            var results = searchLayerHeap(qp, entry: (epDist, ep), ef: max(ef ?? parameters.efSearch, k), level: 0,
                                          filter: filter, includeDeleted: false)
            let nodes = results.items.map(\.1)
            results.items.removeAll(keepingCapacity: true)
            scratchResults = results
            return exactTop(qp, nodes, k: k)
        }
    }

    // MARK: internals

    func randomLevel() -> Int32 {
        rng &+= 0x9E37_79B9_7F4A_7C15
        var z = rng
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let u = (Double(z >> 11) + 0.5) / Double(1 << 53)
        return Int32(-log(u) / log(Double(parameters.M)))
    }

    func links(_ n: Int32, _ level: Int32) -> [Int32] {
        if level == 0 {
            let base = Int(n) * (1 + m0)
            return Array(link0[(base + 1)..<(base + 1 + Int(link0[base]))])
        }
        let base = Int(level - 1) * (1 + parameters.M)
        let u = upper[Int(n)]
        return Array(u[(base + 1)..<(base + 1 + Int(u[base]))])
    }

    func setLinks(_ n: Int32, _ level: Int32, _ l: [Int32]) {
        if level == 0 {
            let base = Int(n) * (1 + m0)
            link0[base] = Int32(l.count)
            for (i, x) in l.enumerated() { link0[base + 1 + i] = x }
        } else {
            let base = Int(level - 1) * (1 + parameters.M)
            upper[Int(n)][base] = Int32(l.count)
            for (i, x) in l.enumerated() { upper[Int(n)][base + 1 + i] = x }
        }
    }

    /// Graph distance between two nodes: both f16 copies (symmetric, and the copies a search just
    /// read are the ones in cache).
    func dist(_ a: Int32, _ b: Int32) -> Float {
        withHalfRow(a) { q in
            vectors16.withUnsafeBufferPointer { h in 1 - tk_dot_f32_f16(q, h.baseAddress! + Int(b) * dimension, Int64(dimension)) }
        }
    }

    /// Node a's f16 copy widened to f32 (exact), in a reused buffer.
    func withHalfRow<R>(_ a: Int32, _ body: (UnsafePointer<Float>) -> R) -> R {
        if halfRow.count != dimension { halfRow = [Float](repeating: 0, count: dimension) }
        vectors16.withUnsafeBufferPointer { h in
            halfRow.withUnsafeMutableBufferPointer { r in tk_f16_to_f32_row(h.baseAddress! + Int(a) * dimension, r.baseAddress!, Int64(dimension)) }
        }
        return halfRow.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    func appendHalfs(_ vector: [Float]) {
        let n = vectors16.count
        vectors16.append(contentsOf: repeatElement(0, count: vector.count))
        vectors16.withUnsafeMutableBufferPointer { h in tk_f32_to_f16_row(vector, h.baseAddress! + n, Int64(vector.count)) }
    }

    /// The k of `nodes` nearest to q by exact f32 dot product, best first (ties: lower node).
    func exactTop(_ q: UnsafePointer<Float>, _ nodes: [Int32], k: Int) -> [SearchHit] {
        let scored = vectors.withUnsafeBufferPointer { v in
            nodes.map { n in (1 - tk_dot_f32(q, v.baseAddress! + Int(n) * dimension, Int64(dimension)), n) }
        }
        return scored.sorted { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }.prefix(k).map { SearchHit(id: ids[Int($0.1)], score: 1 - $0.0) }
    }

    /// (dist(a, n), n) for every n in `nodes` (tk_hnsw_distances: the vectors' misses overlap).
    func distances(from a: Int32, to nodes: [Int32]) -> [(Float, Int32)] {
        var d = [Float](repeating: 0, count: nodes.count)
        withHalfRow(a) { q in
            vectors16.withUnsafeBufferPointer { h in
                tk_hnsw_distances(q, h.baseAddress!, Int64(dimension), nodes, Int64(nodes.count), &d)
            }
        }
        return zip(d, nodes).map { ($0, $1) }
    }

    func distTo(_ q: UnsafePointer<Float>, _ b: Int32) -> Float {
        vectors16.withUnsafeBufferPointer { h in 1 - tk_dot_f32_f16(q, h.baseAddress! + Int(b) * dimension, Int64(dimension)) }
    }

    func greedy(vectorOf node: Int32, from ep: Int32, dist d: Float, level: Int32) -> (Int32, Float) {
        let q = Array(vectors[(Int(node) * dimension)..<(Int(node + 1) * dimension)])
        return q.withUnsafeBufferPointer { greedy($0.baseAddress!, from: ep, dist: d, level: level) }
    }

    func greedy(_ q: UnsafePointer<Float>, from ep: Int32, dist d: Float, level: Int32) -> (Int32, Float) {
        var cur = ep, curDist = d, changed = true
        let dim = dimension
        let base = Int(level - 1) * (1 + parameters.M)
        return vectors16.withUnsafeBufferPointer { vp in
            let V = vp.baseAddress!
            while changed {
                changed = false
                if level == 0 {
                    link0.withUnsafeBufferPointer { lp in
                        let b0 = Int(cur) * (1 + m0)
                        for j in 0..<Int(lp[b0]) {
                            let e = lp[b0 + 1 + j]
                            let de = 1 - tk_dot_f32_f16(q, V + Int(e) * dim, Int64(dim))
                            if de < curDist { curDist = de; cur = e; changed = true }
                        }
                    }
                } else {
                    upper[Int(cur)].withUnsafeBufferPointer { up in
                        for j in 0..<Int(up[base]) {
                            let e = up[base + 1 + j]
                            let de = 1 - tk_dot_f32_f16(q, V + Int(e) * dim, Int64(dim))
                            if de < curDist { curDist = de; cur = e; changed = true }
                        }
                    }
                }
            }
            return (cur, curDist)
        }
    }

    func searchLayer(query node: Int32, entries: [(Float, Int32)], ef: Int, level: Int32,
                     filter: ((Int64) -> Bool)?, includeDeleted: Bool) -> [(Float, Int32)] {
        let q = Array(vectors[(Int(node) * dimension)..<(Int(node + 1) * dimension)])
        return q.withUnsafeBufferPointer {
            searchLayer($0.baseAddress!, entries: entries, ef: ef, level: level, filter: filter, includeDeleted: includeDeleted)
        }
    }

    /// Algorithm 2: the ef closest nodes found from `entries` on `level`, closest first. Only
    /// nodes passing `filter` (and live, unless includeDeleted) enter the result list; every
    /// node may route. The level-0 loop reads links and vectors through raw pointers.
    func searchLayer(_ q: UnsafePointer<Float>, entries: [(Float, Int32)], ef: Int, level: Int32,
                     filter: ((Int64) -> Bool)?, includeDeleted: Bool) -> [(Float, Int32)] {
        if level == 0 && filter == nil {
            let e = entries.map { tk_hnsw_item(d: $0.0, n: $0.1) }
            return e.withUnsafeBufferPointer { searchLevel0(q, entries: $0, ef: ef, includeDeleted: includeDeleted).map { ($0.d, $0.n) } }
        }
        var results = searchLayerHeap(q, entries: entries, ef: ef, level: level, filter: filter, includeDeleted: includeDeleted)
        var out = [(Float, Int32)](repeating: (0, 0), count: results.count)
        var i = out.count - 1
        while let x = results.pop() { out[i] = x; i -= 1 }
        scratchResults = results
        return out
    }

    /// Level 0 without a filter, in C (tk_hnsw_search_layer): the same nodes in the same order as
    /// the Swift loop below, closest first. The returned buffer is valid until the next search.
    func searchLevel0(_ q: UnsafePointer<Float>, entries: UnsafeBufferPointer<tk_hnsw_item>, ef: Int,
                      includeDeleted: Bool) -> UnsafeBufferPointer<tk_hnsw_item> {
        visitTag &+= 1
        if visitTag == 0 { for i in visited.indices { visited[i] = 0 }; visitTag = 1 }
        // candidates: each node at most once plus the entries; results: the entries all enter
        // before the first trim, so room for max(ef, entries) + 1
        let resCap = max(ef, entries.count) + 1
        let need = ids.count + entries.count + 2 * resCap
        if need > cCapacity {
            cBuffers?.deallocate()
            cCapacity = need + need / 2
            cBuffers = .allocate(capacity: cCapacity)
        }
        let cand = cBuffers!, res = cand + ids.count + entries.count, out = res + resCap
        let checkDeleted = !includeDeleted && deletedCount > 0
        let n = vectors16.withUnsafeBufferPointer { vp in
            link0.withUnsafeBufferPointer { lp in
                visited.withUnsafeMutableBufferPointer { vis in
                    deleted.withUnsafeBufferPointer { del in
                        del.withMemoryRebound(to: UInt8.self) { d8 in
                            tk_hnsw_search_layer(q, vp.baseAddress!, Int64(dimension), lp.baseAddress!, Int64(1 + m0), nil, 0,
                                                 vis.baseAddress!, visitTag, checkDeleted ? d8.baseAddress : nil,
                                                 entries.baseAddress!, Int64(entries.count), Int64(ef), cand, res, out)
                        }
                    }
                }
            }
        }
        return UnsafeBufferPointer(start: out, count: Int(n))
    }

    func searchLayerHeap(_ q: UnsafePointer<Float>, entry: (Float, Int32), ef: Int, level: Int32,
                         filter: ((Int64) -> Bool)?, includeDeleted: Bool) -> Heap {
        withUnsafeTemporaryAllocation(of: (Float, Int32).self, capacity: 1) { e in
            e[0] = entry
            return searchLayerHeap(q, entries: UnsafeBufferPointer(e), ef: ef, level: level, filter: filter, includeDeleted: includeDeleted)
        }
    }

    func searchLayerHeap<C: Collection>(_ q: UnsafePointer<Float>, entries: C, ef: Int, level: Int32,
                                        filter: ((Int64) -> Bool)?, includeDeleted: Bool) -> Heap where C.Element == (Float, Int32) {
        visitTag &+= 1
        if visitTag == 0 { for i in visited.indices { visited[i] = 0 }; visitTag = 1 }
        let tag = visitTag, dim = dimension, stride0 = 1 + m0
        // Take the scratch heaps (the caller puts the result heap back).
        var candidates = scratchCandidates
        scratchCandidates = Heap(minFirst: true)
        var results = scratchResults
        scratchResults = Heap(minFirst: false)
        candidates.items.removeAll(keepingCapacity: true)
        results.items.removeAll(keepingCapacity: true)
        let checkDeleted = !includeDeleted && deletedCount > 0
        vectors16.withUnsafeBufferPointer { vp in
            link0.withUnsafeBufferPointer { lp in
                visited.withUnsafeMutableBufferPointer { vis in
                    deleted.withUnsafeBufferPointer { del in
                        ids.withUnsafeBufferPointer { idp in
                            let V = vp.baseAddress!
                            @inline(__always) func accepts(_ n: Int32) -> Bool {
                                if checkDeleted && del[Int(n)] { return false }
                                if let filter { return filter(idp[Int(n)]) }
                                return true
                            }
                            @inline(__always) func visit(_ e: Int32) {
                                if vis[Int(e)] == tag { return }
                                vis[Int(e)] = tag
                                let de = 1 - tk_dot_f32_f16(q, V + Int(e) * dim, Int64(dim))
                                if results.count < ef || de < results.top!.0 {
                                    candidates.push(de, e)
                                    if accepts(e) {
                                        results.push(de, e)
                                        if results.count > ef { _ = results.pop() }
                                    }
                                }
                            }
                            for (d, n) in entries {
                                vis[Int(n)] = tag
                                candidates.push(d, n)
                                if accepts(n) { results.push(d, n) }
                            }
                            while let (cd, c) = candidates.pop() {
                                if results.count >= ef, let (worst, _) = results.top, cd > worst { break }
                                if level == 0 {
                                    let base = Int(c) * stride0
                                    let cnt = Int(lp[base])
                                    for j in 0..<cnt { visit(lp[base + 1 + j]) }
                                } else {
                                    let base = Int(level - 1) * (1 + parameters.M)
                                    upper[Int(c)].withUnsafeBufferPointer { up in
                                        for j in 0..<Int(up[base]) { visit(up[base + 1 + j]) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        candidates.items.removeAll(keepingCapacity: true)
        scratchCandidates = candidates
        return results
    }

    /// Algorithm 4 (hnswlib's getNeighborsByHeuristic2): keep a candidate only if it is closer to
    /// the base than to every neighbour kept so far (tk_hnsw_select, on the f16 copies). `cands`
    /// sorted closest first.
    func selectNeighbors(_ cands: [(Float, Int32)], m: Int) -> [(Float, Int32)] {
        if cands.count <= m { return cands }
        if halfRow.count != dimension { halfRow = [Float](repeating: 0, count: dimension) }
        let items = cands.map { tk_hnsw_item(d: $0.0, n: $0.1) }
        var out = [tk_hnsw_item](repeating: tk_hnsw_item(d: 0, n: 0), count: m)
        let n = vectors16.withUnsafeBufferPointer { h in
            halfRow.withUnsafeMutableBufferPointer { r in
                tk_hnsw_select(items, Int64(items.count), Int64(m), h.baseAddress!, Int64(dimension), r.baseAddress!, &out)
            }
        }
        return out.prefix(Int(n)).map { ($0.d, $0.n) }
    }
}

/// A binary heap of (distance, node): min-first or max-first.
struct Heap {
    var items: [(Float, Int32)] = []
    let minFirst: Bool
    init(minFirst: Bool) { self.minFirst = minFirst }
    var count: Int { items.count }
    var top: (Float, Int32)? { items.first }
    @inline(__always) func above(_ a: (Float, Int32), _ b: (Float, Int32)) -> Bool {
        minFirst ? (a.0 < b.0 || (a.0 == b.0 && a.1 < b.1)) : (a.0 > b.0 || (a.0 == b.0 && a.1 > b.1))
    }
    mutating func push(_ d: Float, _ n: Int32) {
        items.append((d, n))
        var i = items.count - 1
        while i > 0 { let p = (i - 1) / 2; if above(items[i], items[p]) { items.swapAt(i, p); i = p } else { break } }
    }
    mutating func pop() -> (Float, Int32)? {
        guard !items.isEmpty else { return nil }
        let t = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var b = i
                if l < items.count && above(items[l], items[b]) { b = l }
                if r < items.count && above(items[r], items[b]) { b = r }
                if b == i { break }
                items.swapAt(i, b); i = b
            }
        }
        return t
    }
}
