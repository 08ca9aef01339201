import RealModule

/// The element types every cell runs in: `Float` (TF `float32`) and `Double` (TF `float64`).
///
/// `Real` (swift-numerics) gives generic `exp`, `log`, `tanh`, `sqrt` that call the platform's
/// libm, so a generic cell computes exactly what the `Float` or `Double` libm functions give.
public protocol RNNFloat: Real, BinaryFloatingPoint, Sendable, Codable, LosslessStringConvertible
where Self.RawSignificand: FixedWidthInteger {
    /// The fixture `dtype` name: `float32` or `float64`.
    static var dtypeName: String { get }
    /// Unit roundoff, used for default tolerances.
    static var unitRoundoff: Double { get }
}

extension Float: RNNFloat {
    public static var dtypeName: String { "float32" }
    public static var unitRoundoff: Double { Double(Float.ulpOfOne) / 2 }
}

extension Double: RNNFloat {
    public static var dtypeName: String { "float64" }
    public static var unitRoundoff: Double { Double.ulpOfOne / 2 }
}

/// The two fixture dtypes, as a value (for dispatch from JSON and the CLI).
public enum DType: String, Sendable, CaseIterable, Codable {
    case float32, float64
}
