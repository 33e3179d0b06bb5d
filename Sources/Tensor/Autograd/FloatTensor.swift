// FloatTensor.swift: a dense f32 array with a shape, row-major, in one owned allocation. The
// storage the autograd works on: kernels get its pointer, Swift never loops over its elements in
// hot paths. Reference semantics (a class) so optimizers and gradient accumulation update in
// place; `reshaped` returns a view sharing the storage. Limits: f32 only, always contiguous.
import CKernels

/// A contiguous row-major f32 tensor.
public final class FloatTensor: @unchecked Sendable, CustomStringConvertible {
    public let shape: [Int]
    public let count: Int
    /// The first element; valid while this object (or a view of it) lives.
    public let pointer: UnsafeMutablePointer<Float>
    /// The tensor owning the memory when this one is a view.
    private let base: FloatTensor?

    /// A zero-filled tensor of `shape`.
    public init(zeros shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        count = shape.reduce(1, *)
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
        base = nil
    }

    /// A tensor of `shape` holding `values` (count must match).
    public convenience init(shape: [Int], values: [Float]) {
        self.init(zeros: shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
    }

    /// A tensor filled with `value`.
    public convenience init(shape: [Int], repeating value: Float) {
        self.init(zeros: shape)
        pointer.update(repeating: value, count: count)
    }

    private init(view base: FloatTensor, shape: [Int]) {
        self.shape = shape
        count = base.count
        pointer = base.pointer
        self.base = base.base ?? base
    }

    deinit { if base == nil { pointer.deallocate() } }

    /// A view with another shape of the same element count (shares storage).
    public func reshaped(_ newShape: [Int]) -> FloatTensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return FloatTensor(view: self, shape: newShape)
    }

    /// A copy with its own storage.
    public func copy() -> FloatTensor {
        let t = FloatTensor(zeros: shape)
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

    /// self += other (same element count).
    public func add(_ other: FloatTensor) {
        precondition(other.count == count, "add: \(other.shape) into \(shape)")
        tk_add(pointer, other.pointer, Int64(count))
    }

    /// Overwrites the elements with `other`'s (same element count).
    public func assign(_ other: FloatTensor) {
        precondition(other.count == count, "assign: \(other.shape) into \(shape)")
        pointer.update(from: other.pointer, count: count)
    }

    /// Sum of squares, accumulated in double.
    public func sumOfSquares() -> Double {
        tk_sum_squares(pointer, Int64(count))
    }

    public var description: String { "FloatTensor\(shape)" }
}
