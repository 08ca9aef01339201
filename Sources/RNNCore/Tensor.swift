/// A dense row-major (C-order) array: the one container every cell reads and writes.
///
/// Shapes use fixed letters throughout the project: B batch, T time, I input, H units,
/// P projection, V vocabulary. A matrix `[B, H]` holds row `b` at `data[b*H ..< (b+1)*H]`,
/// exactly like numpy's default layout and TensorFlow's, so fixture data maps one to one.
public struct Tensor<Scalar: RNNFloat>: Sendable, Equatable {
    public private(set) var shape: [Int]
    public var data: [Scalar]

    /// Throws `RNNError.shape` when `data.count` is not the product of `shape`.
    public init(shape: [Int], data: [Scalar]) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw RNNError(.shape, "", "negative dimension in shape \(shape)")
        }
        let n = shape.reduce(1, *)
        guard n == data.count else {
            throw RNNError(.shape, "", "shape \(shape) needs \(n) values, got \(data.count)")
        }
        self.shape = shape
        self.data = data
    }

    /// Internal use: the caller guarantees `data.count == shape.product`.
    public init(uncheckedShape shape: [Int], data: [Scalar]) {
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.shape = shape
        self.data = Array(repeating: 0, count: shape.reduce(1, *))
    }

    public init(shape: [Int], repeating value: Scalar) {
        self.shape = shape
        self.data = Array(repeating: value, count: shape.reduce(1, *))
    }

    public var count: Int { data.count }
    public var rank: Int { shape.count }

    /// Element `[i, j]` of a rank-2 tensor.
    @inlinable
    public subscript(i: Int, j: Int) -> Scalar {
        get { data[i * shape[1] + j] }
        set { data[i * shape[1] + j] = newValue }
    }

    /// Element `[i, j, k]` of a rank-3 tensor.
    @inlinable
    public subscript(i: Int, j: Int, k: Int) -> Scalar {
        get { data[(i * shape[1] + j) * shape[2] + k] }
        set { data[(i * shape[1] + j) * shape[2] + k] = newValue }
    }

    /// The same values under another shape with the same number of elements.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        try Tensor(shape: newShape, data: data)
    }

    /// Throws `RNNError.shape` naming `what` unless the shape is exactly `expected`.
    public func expectShape(_ expected: [Int], _ what: String) throws {
        guard shape == expected else {
            throw RNNError(.shape, what, "expected shape \(expected), got \(shape)")
        }
    }

    /// Elementwise conversion to another precision (exact from Float to Double).
    public func converted<U: RNNFloat>(to: U.Type = U.self) -> Tensor<U> {
        Tensor<U>(uncheckedShape: shape, data: data.map { U($0) })
    }

    /// Slice `t` of the leading axis: `[T, rest...]` → `[rest...]`.
    public func slice(_ t: Int) -> Tensor {
        let inner = Array(shape.dropFirst())
        let n = inner.reduce(1, *)
        return Tensor(uncheckedShape: inner, data: Array(data[t * n ..< (t + 1) * n]))
    }

    /// Stacks equally shaped tensors along a new leading axis.
    public static func stack(_ parts: [Tensor], inner: [Int]) -> Tensor {
        var data: [Scalar] = []
        data.reserveCapacity(parts.count * inner.reduce(1, *))
        for p in parts { data.append(contentsOf: p.data) }
        return Tensor(uncheckedShape: [parts.count] + inner, data: data)
    }

    /// `concat([a, b], axis=-1)`: tensors equal in every axis but the last.
    public static func concatenatingLast(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (wa, wb) = (a.shape.last!, b.shape.last!)
        let rows = wa == 0 ? b.count / max(wb, 1) : a.count / wa
        var out = [Scalar]()
        out.reserveCapacity(a.count + b.count)
        for r in 0..<rows {
            out.append(contentsOf: a.data[(r * wa)..<((r + 1) * wa)])
            out.append(contentsOf: b.data[(r * wb)..<((r + 1) * wb)])
        }
        return Tensor(uncheckedShape: Array(a.shape.dropLast()) + [wa + wb], data: out)
    }

    /// The inverse of `concatenatingLast`: the first `width` columns of the last axis, and the rest.
    public func splittingLast(at width: Int) -> (Tensor, Tensor) {
        let w = shape.last!, rows = w == 0 ? 0 : count / w
        var a = [Scalar](), b = [Scalar]()
        a.reserveCapacity(rows * width)
        b.reserveCapacity(rows * (w - width))
        for r in 0..<rows {
            a.append(contentsOf: data[(r * w)..<(r * w + width)])
            b.append(contentsOf: data[(r * w + width)..<((r + 1) * w)])
        }
        let outer = Array(shape.dropLast())
        return (Tensor(uncheckedShape: outer + [width], data: a), Tensor(uncheckedShape: outer + [w - width], data: b))
    }

    /// The first `n` entries of the leading axis (`x[:n]`), or the tensor zero-padded to `n`
    /// entries when it has fewer.
    public func resizingLeadingAxis(to n: Int) -> Tensor {
        let inner = Array(shape.dropFirst()), per = inner.reduce(1, *)
        var out = Array(data.prefix(n * per))
        out += [Scalar](repeating: 0, count: n * per - out.count)
        return Tensor(uncheckedShape: [n] + inner, data: out)
    }

    /// Swaps the first two axes of a rank-3 tensor: `[T, B, X]` ↔ `[B, T, X]`.
    public func swappingLeadingAxes() -> Tensor {
        precondition(rank == 3, "swappingLeadingAxes needs rank 3")
        let (a, b, c) = (shape[0], shape[1], shape[2])
        var out = [Scalar](repeating: 0, count: count)
        for i in 0..<a { for j in 0..<b { for k in 0..<c {
            out[(j * a + i) * c + k] = data[(i * b + j) * c + k]
        } } }
        return Tensor(uncheckedShape: [b, a, c], data: out)
    }

    /// The index and value of the first NaN or infinity, if any; always nil while
    /// `NonFinite.allowed` (the check every entry point makes on inputs, states and weights).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func firstNonFinite() -> (index: Int, value: Scalar)? {
        if NonFinite.allowed { return nil }
        // an index loop: `enumerated()` on the generic Tensor looked up a tuple type's metadata per
        // element (a 16 MB weight took about a second to check)
        guard let i = data.firstIndex(where: { !$0.isFinite }) else { return nil }
        return (i, data[i])
    }

    /// `self += other`, elementwise (same shape required; internal callers guarantee it).
    public mutating func add(_ other: Tensor) {
        precondition(other.count == count, "add: size mismatch")
        for i in data.indices { data[i] += other.data[i] }
    }

    /// The sum of all elements of `self ⊙ other` (the scalar loss of a cotangent).
    public func dot(_ other: Tensor) -> Scalar {
        precondition(other.count == count, "dot: size mismatch")
        var s: Scalar = 0
        for i in data.indices { s += data[i] * other.data[i] }
        return s
    }
}

/// The row-major multi-index of a flat offset, for error messages: `[1, 0, 2]`.
public func multiIndex(_ flat: Int, shape: [Int]) -> [Int] {
    var idx = [Int](repeating: 0, count: shape.count)
    var r = flat
    for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] > 0 {
        idx[d] = r % shape[d]
        r /= shape[d]
    }
    return idx
}
