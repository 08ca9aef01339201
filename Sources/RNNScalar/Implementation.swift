import RNNCore

/// The scalar reference implementation: every family's arithmetic in plain loops that read like
/// the equations, as the nested types `Elman`, `NumpyRNN`, `LSTM`, `GRU`, `Dense` and
/// `MinCharRNN` (one file each, forward then backward).
public enum Implementation: RNNImplementation {
    public static var name: String { "scalar" }
}
