/// Every error the library throws on user input. The library never traps on what a user gives
/// it: wrong shapes, unknown kinds, malformed files and missing tensors all end up here, with
/// one line (`description`) that names the problem.
public struct RNNError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: String, Sendable {
        case shape          // a tensor has the wrong shape or size
        case missing        // a tensor, key or weight is absent
        case unknown        // an unknown kind, activation, option or name
        case invalid        // a value is out of range (negative length, NaN in weights, ...)
        case malformed      // a file or string could not be parsed
        case unsupported    // valid input that this version does not compute
        case io             // a file could not be read or written
    }

    public var kind: Kind
    /// Where the problem is: a file, a JSON key path, a tensor name. May be empty.
    public var location: String
    public var reason: String

    public init(_ kind: Kind, _ location: String, _ reason: String) {
        self.kind = kind
        self.location = location
        self.reason = reason
    }

    /// One line: `location: reason`.
    public var description: String { location.isEmpty ? reason : "\(location): \(reason)" }

    /// The same error, located inside `outer` (e.g. a file name in front of a key path).
    public func within(_ outer: String) -> RNNError {
        var e = self
        e.location = location.isEmpty ? outer : "\(outer): \(location)"
        return e
    }
}

/// Non-finite values (NaN, ±infinity) in inputs, initial states and weights. By default every
/// entry point refuses them: `DynamicRNN` (x, initial_state), cell and min-char-rnn parameters,
/// and fixture tensors, each with an error naming the tensor and the index. A caller that wants
/// them to propagate through the arithmetic as IEEE 754 defines (to see what NaN does to a
/// batch, say) asks for it for a scope:
///
///     try NonFinite.$allowed.withValue(true) { try net.forward(x) }
///
/// The command line's `--allow-nonfinite` (on `run` and `check`) does exactly this. A task-local
/// value, so concurrent callers do not see each other's choice.
public enum NonFinite {
    @TaskLocal public static var allowed = false
}
