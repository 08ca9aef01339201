import RNNCore

/// numpy's legacy random streams (`numpy.random` fixtures): `seed` and a list of `calls`, each
/// `{"fn": …, "size": n}` with the call's own arguments.
public struct NumpyRandomProblem: Sendable {
    /// One call on `np.random.RandomState(seed)`.
    public enum Call: Sendable, Equatable {
        /// The generator's raw 32-bit words (`randint32`).
        case randint32(size: Int)
        case randomSample(size: Int)
        case randn(size: Int)
        case uniform(low: Double, high: Double, size: Int)
        /// `choice(n, p=p)`, `size` times.
        case choice(n: Int, p: [Double], size: Int)
    }

    public var seed: Int
    public var calls: [Call]

    public init(seed: Int, calls: [Call]) {
        self.seed = seed
        self.calls = calls
    }

    public init(_ f: Fixture) throws {
        try rejectUnknownKeys(f.model, known: ["kind", "seed", "calls"], path: "model", kind: f.kind)
        seed = try intKey(f.model, "seed", path: "model")
        guard let c = f.model["calls"]?.arrayValue else { throw RNNError(.missing, "model.calls", "missing list of calls") }
        calls = try c.indices.map { k in
            let path = "model.calls[\(k)]"
            guard let o = c[k].objectValue, let fn = o["fn"]?.stringValue else { throw RNNError(.malformed, path, "a call needs an 'fn'") }
            let size = try intKey(o, "size", path: path)
            guard size >= 0 else { throw RNNError(.invalid, "\(path).size", "must be non-negative") }
            switch fn {
            case "randint32": return .randint32(size: size)
            case "random_sample": return .randomSample(size: size)
            case "randn": return .randn(size: size)
            case "uniform":
                guard let lo = o["low"]?.numberValue, let hi = o["high"]?.numberValue else { throw RNNError(.missing, path, "uniform needs low and high") }
                return .uniform(low: lo, high: hi, size: size)
            case "choice":
                let n = try intKey(o, "n", path: path)
                guard let p = o["p"]?.arrayValue?.compactMap(\.numberValue) else { throw RNNError(.missing, "\(path).p", "choice needs p") }
                return .choice(n: n, p: p, size: size)
            default:
                throw RNNError(.unknown, "\(path).fn", "unknown numpy.random call \"\(fn)\" (known: randint32, random_sample, randn, uniform, choice)")
            }
        }
    }
}
