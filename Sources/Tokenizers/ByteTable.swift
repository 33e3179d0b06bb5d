// ByteTable.swift: an exact byte-string -> Int32 hash map (open addressing, FNV-1a). Swift's
// String compares by canonical equivalence, so two vocab entries that differ only in Unicode
// normalization would collide in a [String: Int32]; this table compares raw bytes. Lookups take
// a buffer pointer and never allocate.

struct ByteTable: Sendable {
    private var storage: [UInt8] = []
    private var starts: [Int32] = []
    private var lengths: [Int32] = []
    private var values: [Int32] = []
    private var slots: [Int32]   // index into entries, or -1
    private var mask: Int

    init(capacity: Int) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        slots = [Int32](repeating: -1, count: n)
        mask = n - 1
        storage.reserveCapacity(capacity * 8)
        starts.reserveCapacity(capacity)
        lengths.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    var count: Int { values.count }

    @inline(__always)
    static func hash(_ p: UnsafeBufferPointer<UInt8>) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in p { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return Int(truncatingIfNeeded: h ^ (h >> 29))
    }

    /// Inserts or overwrites `key` -> `value` (later insertions win, like llama.cpp's maps).
    mutating func set(_ key: [UInt8], _ value: Int32) {
        if (count + 1) * 2 > slots.count { grow() }
        key.withUnsafeBufferPointer { kp in
            var i = ByteTable.hash(kp) & mask
            while true {
                let e = slots[i]
                if e < 0 {
                    slots[i] = Int32(values.count)
                    starts.append(Int32(storage.count))
                    lengths.append(Int32(kp.count))
                    storage.append(contentsOf: kp)
                    values.append(value)
                    return
                }
                if equal(Int(e), kp) { values[Int(e)] = value; return }
                i = (i + 1) & mask
            }
        }
    }

    /// Inserts only if absent (first insertion wins).
    mutating func setIfAbsent(_ key: [UInt8], _ value: Int32) {
        if find(key) == nil { set(key, value) }
    }

    @inline(__always)
    private func equal(_ e: Int, _ kp: UnsafeBufferPointer<UInt8>) -> Bool {
        let len = Int(lengths[e])
        guard len == kp.count else { return false }
        let s = Int(starts[e])
        return storage.withUnsafeBufferPointer { sp in
            for k in 0..<len where sp[s + k] != kp[k] { return false }
            return true
        }
    }

    func find(_ kp: UnsafeBufferPointer<UInt8>) -> Int32? {
        var i = ByteTable.hash(kp) & mask
        while true {
            let e = slots[i]
            if e < 0 { return nil }
            if equal(Int(e), kp) { return values[Int(e)] }
            i = (i + 1) & mask
        }
    }

    func find(_ key: [UInt8]) -> Int32? { key.withUnsafeBufferPointer { find($0) } }

    func find(_ key: ArraySlice<UInt8>) -> Int32? { key.withUnsafeBufferPointer { find($0) } }

    private mutating func grow() {
        let n = slots.count * 2
        var newSlots = [Int32](repeating: -1, count: n)
        let m = n - 1
        storage.withUnsafeBufferPointer { sp in
            for e in 0..<values.count {
                let kp = UnsafeBufferPointer(rebasing: sp[Int(starts[e])..<Int(starts[e] + lengths[e])])
                var i = ByteTable.hash(kp) & m
                while newSlots[i] >= 0 { i = (i + 1) & m }
                newSlots[i] = Int32(e)
            }
        }
        slots = newSlots
        mask = m
    }
}
