// FloatTensor.swift: a dense f32 array with a shape, row-major, in one owned allocation. The
// storage the autograd works on: kernels get its pointer, Swift never loops over its elements in
// hot paths. Reference semantics (a class) so optimizers and gradient accumulation update in
// place; `reshaped` returns a view sharing the storage. Limits: f32 only, always contiguous.
// Large buffers are recycled (BufferRecycler below): a training step allocates the same shapes as
// the step before, so reusing freed buffers saves the page faults and kernel zeroing of fresh
// memory (measured ~6% of a step).
import CKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A contiguous row-major f32 tensor.
public final class FloatTensor: @unchecked Sendable, CustomStringConvertible {
    public let shape: [Int]
    public let count: Int
    /// The first element; valid while this object (or a view of it) lives.
    public let pointer: UnsafeMutablePointer<Float>
    /// The tensor owning the memory when this one is a view.
    private let base: FloatTensor?

    /// A zero-filled tensor of `shape`.
    public convenience init(zeros shape: [Int]) {
        self.init(uninitialized: shape)
        pointer.update(repeating: 0, count: max(count, 1))
    }

    /// A tensor of `shape` whose elements are not set: for outputs a kernel writes completely.
    public init(uninitialized shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        count = shape.reduce(1, *)
        pointer = BufferRecycler.take(max(count, 1))
        base = nil
    }

    /// A tensor of `shape` holding `values` (count must match).
    public convenience init(shape: [Int], values: [Float]) {
        self.init(uninitialized: shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
    }

    /// A tensor filled with `value`.
    public convenience init(shape: [Int], repeating value: Float) {
        self.init(uninitialized: shape)
        pointer.update(repeating: value, count: count)
    }

    private init(view base: FloatTensor, shape: [Int]) {
        self.shape = shape
        count = base.count
        pointer = base.pointer
        self.base = base.base ?? base
    }

    deinit { if base == nil { BufferRecycler.give(pointer, max(count, 1)) } }

    /// A view with another shape of the same element count (shares storage).
    public func reshaped(_ newShape: [Int]) -> FloatTensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return FloatTensor(view: self, shape: newShape)
    }

    /// A copy with its own storage.
    public func copy() -> FloatTensor {
        let t = FloatTensor(uninitialized: shape)
        t.pointer.update(from: pointer, count: count)
        return t
    }

    /// The elements as an array (a copy).
    public var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    /// Size of dimension `i` (negative counts from the end).
    public func dim(_ i: Int) -> Int { shape[i < 0 ? shape.count + i : i] }

    /// Sets every element to zero.
    public func zero() { pointer.update(repeating: 0, count: count) }

    /// self += other (same element count), split over `pool` when given.
    public func add(_ other: FloatTensor, pool: ThreadPool? = nil) {
        precondition(other.count == count, "add: \(other.shape) into \(shape)")
        tk_add_pool(pointer, other.pointer, Int64(count), pool?.raw)
    }

    /// Overwrites the elements with `other`'s (same element count).
    public func assign(_ other: FloatTensor) {
        precondition(other.count == count, "assign: \(other.shape) into \(shape)")
        pointer.update(from: other.pointer, count: count)
    }

    /// Sum of squares, accumulated in double over fixed chunks (the same for any `pool`).
    public func sumOfSquares(pool: ThreadPool? = nil) -> Double {
        tk_sum_squares_pool(pointer, Int64(count), pool?.raw)
    }

    public var description: String { "FloatTensor\(shape)" }
}

/// A free list of large f32 buffers by size class (1/8-octave steps, so slightly different shapes
/// share a class). A buffer is allocated with its class's capacity; only the elements a tensor
/// uses are ever touched, so the rounding costs address space, not resident memory. At most
/// `limitBytes` are held; beyond that buffers are freed. Small buffers go straight to malloc.
public enum BufferRecycler {
    /// Most bytes kept for reuse (default 1 GiB).
    nonisolated(unsafe) public static var limitBytes = 1 << 30
    static let minimumElements = 1 << 14
    nonisolated(unsafe) private static var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    nonisolated(unsafe) private static var heldBytes = 0
    nonisolated(unsafe) private static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(m, nil)
        return m
    }()

    /// The size class (capacity in elements) for `count` elements.
    static func capacity(_ count: Int) -> Int {
        if count < minimumElements { return count }
        let e = Int.bitWidth - count.leadingZeroBitCount - 4                              // 8 ≤ count >> e < 16
        let steps = (count + (1 << e) - 1) >> e
        return steps << e
    }

    static func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        let c = capacity(count)
        if c >= minimumElements {
            pthread_mutex_lock(lock)
            if let p = free[c]?.popLast() {
                heldBytes -= c * 4
                pthread_mutex_unlock(lock)
                return p
            }
            pthread_mutex_unlock(lock)
        }
        return .allocate(capacity: c)
    }

    static func give(_ p: UnsafeMutablePointer<Float>, _ count: Int) {
        let c = capacity(count)
        if c >= minimumElements {
            pthread_mutex_lock(lock)
            if heldBytes + c * 4 <= limitBytes {
                free[c, default: []].append(p)
                heldBytes += c * 4
                pthread_mutex_unlock(lock)
                return
            }
            pthread_mutex_unlock(lock)
        }
        p.deallocate()
    }

    /// Frees every held buffer.
    public static func drain() {
        pthread_mutex_lock(lock)
        let all = free.values.flatMap { $0 }
        free = [:]; heldBytes = 0
        pthread_mutex_unlock(lock)
        for p in all { p.deallocate() }
    }
}
