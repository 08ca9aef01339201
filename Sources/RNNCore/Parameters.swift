/// A cell's parameters (or their gradients): named tensors in the framework's creation order.
public struct Parameters<Scalar: RNNFloat>: Sendable, Equatable {
    public private(set) var names: [String]
    public var tensors: [Tensor<Scalar>]

    public init(names: [String], tensors: [Tensor<Scalar>]) {
        precondition(names.count == tensors.count)
        self.names = names
        self.tensors = tensors
    }

    /// Zeros in the shapes of `spec` (the starting point of gradient accumulation).
    public init(zerosFor spec: CellSpec, inputSize: Int) {
        let shapes = spec.parameterShapes(inputSize: inputSize)
        self.init(names: shapes.map(\.name), tensors: shapes.map { Tensor(zeros: $0.shape) })
    }

    /// Zeros shaped like `other`.
    public init(zerosLike other: Parameters) {
        self.init(names: other.names, tensors: other.tensors.map { Tensor(zeros: $0.shape) })
    }

    /// Validates `given` against `spec`: every parameter present, exactly the right shape,
    /// finite; no unknown names. Errors name the parameter.
    public init(spec: CellSpec, inputSize: Int, given: [String: Tensor<Scalar>]) throws {
        try spec.validate(inputSize: inputSize)
        let shapes = spec.parameterShapes(inputSize: inputSize)
        var tensors: [Tensor<Scalar>] = []
        for (name, shape) in shapes {
            guard let t = given[name] else {
                throw RNNError(.missing, "\(spec.kind).\(name)", "missing weight (expected shape \(shape))")
            }
            try t.expectShape(shape, "\(spec.kind).\(name)")
            if let bad = t.firstNonFinite() {
                throw RNNError(.invalid, "\(spec.kind).\(name)",
                               "non-finite value \(bad.value) at index \(multiIndex(bad.index, shape: t.shape))")
            }
            tensors.append(t)
        }
        let known = Set(shapes.map(\.name))
        if let extra = given.keys.sorted().first(where: { !known.contains($0) }) {
            throw RNNError(.unknown, "\(spec.kind).\(extra)",
                           "unknown weight for this cell (known: \(shapes.map(\.name).joined(separator: ", ")))")
        }
        self.init(names: shapes.map(\.name), tensors: tensors)
    }

    public func index(of name: String) -> Int? { names.firstIndex(of: name) }

    /// The tensor named `name`. Cells only ask for names their spec defines.
    public subscript(name: String) -> Tensor<Scalar> {
        get {
            guard let i = index(of: name) else { preconditionFailure("no parameter '\(name)'") }
            return tensors[i]
        }
        set {
            guard let i = index(of: name) else { preconditionFailure("no parameter '\(name)'") }
            tensors[i] = newValue
        }
    }

    public var dictionary: [String: Tensor<Scalar>] {
        Dictionary(uniqueKeysWithValues: zip(names, tensors))
    }

    public func converted<U: RNNFloat>(to: U.Type = U.self) -> Parameters<U> {
        Parameters<U>(names: names, tensors: tensors.map { $0.converted() })
    }

    public mutating func add(_ other: Parameters) {
        for i in tensors.indices { tensors[i].add(other.tensors[i]) }
    }
}
