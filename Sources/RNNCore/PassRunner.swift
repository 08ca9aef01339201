/// How an implementation runs two independent passes: a bidirectional layer's two directions,
/// forward or backward, which read the same input and share nothing else. RNNScalar's cells
/// run them one after the other (`OneAfterTheOther`); RNNBLAS's run them side by side, each
/// direction on a core of its own with no barrier between them, when it may use two or more
/// threads (RNNBLAS `SideBySide`). Either way each pass computes the same numbers as it would
/// alone; only what a pass does with the machine's cores differs (which is why the choice is
/// the implementation's).
///
/// Layers call it through their first cell: `try cell.passRunner.both({ … }, { … })`.
public protocol PassRunner: Sendable {
    /// Runs `a` and `b` and returns both results; rethrows the first error (a's if both throw).
    func both<A: Sendable, B: Sendable>(_ a: @Sendable () throws -> A, _ b: @Sendable () throws -> B) throws -> (A, B)
}

/// `a`, then `b`, on the calling thread.
public struct OneAfterTheOther: PassRunner {
    public init() {}
    public func both<A: Sendable, B: Sendable>(_ a: @Sendable () throws -> A, _ b: @Sendable () throws -> B) throws -> (A, B) {
        let x = try a()
        return (x, try b())
    }
}

extension PassRunner {
    /// `both` over a layer's directions: `pass(0)` and `pass(1)` when there are two, else
    /// `pass(0)` alone. Results in direction order.
    public func directions<R: Sendable>(_ count: Int, _ pass: @Sendable (Int) throws -> R) throws -> [R] {
        guard count == 2 else { return try (0..<count).map(pass) }
        let (a, b) = try both({ try pass(0) }, { try pass(1) })
        return [a, b]
    }
}
