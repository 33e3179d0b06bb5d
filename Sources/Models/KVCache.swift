// KVCache.swift: per-layer key/value cache, laid out (layer, position, kv_head, head_dim) so the
// attention kernel reads each head's keys at a fixed stride. f16 entries halve memory and match
// llama.cpp's default cache; f32 is exact.
import CKernels

public final class KVCache {
    public enum Precision: String, Sendable, CaseIterable { case f16, f32 }

    public let layers: Int
    public let capacity: Int
    public let kvDim: Int
    public let precision: Precision
    /// Positions filled so far (prefix rows included).
    public internal(set) var count = 0
    /// Leading positions that hold an adapter's prefix (prefix or prompt tuning): they survive
    /// `truncate`, and a caller's own tokens start after them.
    public internal(set) var prefixCount = 0
    let keys: UnsafeMutableRawPointer
    let values: UnsafeMutableRawPointer

    public init(layers: Int, capacity: Int, kvDim: Int, precision: Precision) {
        self.layers = layers
        self.capacity = capacity
        self.kvDim = kvDim
        self.precision = precision
        let bytes = layers * capacity * kvDim * elementSize(precision)
        keys = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 64)
        values = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 64)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    /// Forgets positions from `position` on (for reuse of a shared prefix, or a reset).
    /// `position` counts every row, so callers mark `count` and truncate back to the mark.
    public func truncate(to position: Int) {
        precondition(position >= prefixCount && position <= count, "truncate below the adapter prefix or past the end")
        count = position
    }

    /// Fills positions 0 ..< P of an empty cache with given keys and values (per layer, P·kvDim
    /// floats each, keys already rotated): a prefix-tuning adapter's prefix, so the prompt then
    /// starts at position P.
    public func prefill(keys k: [[Float]], values v: [[Float]]) {
        precondition(count == 0 && k.count == layers && v.count == layers, "prefill needs an empty cache and every layer")
        let P = k[0].count / kvDim
        precondition(P <= capacity && k.allSatisfy { $0.count == P * kvDim } && v.allSatisfy { $0.count == P * kvDim }, "prefill shapes")
        for l in 0..<layers { store(layer: l, start: 0, tokens: P, k: k[l], v: v[l]) }
        count = P
        prefixCount = P
    }

    /// The keys and values of positions 0 ..< count of `layer`, as f32 (count·kvDim floats each).
    public func rows(layer: Int) -> (keys: [Float], values: [Float]) {
        let n = count * kvDim
        func read(_ p: UnsafeMutableRawPointer) -> [Float] {
            switch precision {
            case .f32: return Array(UnsafeBufferPointer(start: p.assumingMemoryBound(to: Float.self), count: n))
            case .f16:
                var out = [Float](repeating: 0, count: n)
                out.withUnsafeMutableBufferPointer { tk_f16_to_f32_row(p.assumingMemoryBound(to: UInt16.self), $0.baseAddress!, Int64(n)) }
                return out
            }
        }
        return (read(layerKeys(layer)), read(layerValues(layer)))
    }

    var elementBytes: Int { elementSize(precision) }

    func layerKeys(_ layer: Int) -> UnsafeMutableRawPointer { keys + layer * capacity * kvDim * elementBytes }
    func layerValues(_ layer: Int) -> UnsafeMutableRawPointer { values + layer * capacity * kvDim * elementBytes }

    /// Stores `tokens` rows of kvDim floats at positions start..<start+tokens of `layer`.
    func store(layer: Int, start: Int, tokens: Int, k: UnsafePointer<Float>, v: UnsafePointer<Float>) {
        let n = tokens * kvDim
        let off = start * kvDim * elementBytes
        switch precision {
        case .f32:
            (layerKeys(layer) + off).copyMemory(from: k, byteCount: n * 4)
            (layerValues(layer) + off).copyMemory(from: v, byteCount: n * 4)
        case .f16:
            tk_f32_to_f16_row(k, (layerKeys(layer) + off).assumingMemoryBound(to: UInt16.self), Int64(n))
            tk_f32_to_f16_row(v, (layerValues(layer) + off).assumingMemoryBound(to: UInt16.self), Int64(n))
        }
    }
}

private func elementSize(_ p: KVCache.Precision) -> Int { p == .f16 ? 2 : 4 }
