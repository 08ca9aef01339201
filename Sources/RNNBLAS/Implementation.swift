import RNNCore

/// The BLAS implementation: the same families under the same names as RNNScalar's, their sums
/// in OpenBLAS (`BLAS.swift`) and whole sequences in fused schedules (`*Sequence.swift`).
public enum Implementation: RNNImplementation {
    public static var name: String { "blas" }
}
