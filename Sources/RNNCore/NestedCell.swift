/// The custom cell with nested inputs and states of “Recurrent Neural Networks (RNN) with Keras”
/// (003), section 7 (`NestedCell(unit_1, unit_2, unit_3)` under `keras.layers.RNN`):
///
///     def call(self, inputs, states):
///       # inputs should be in [(batch, input_1), (batch, input_2, input_3)]
///       # state should be in shape [(batch, unit_1), (batch, unit_2, unit_3)]
///       input_1, input_2 = tf.nest.flatten(inputs)
///       s1, s2 = states
///       output_1 = tf.matmul(input_1, self.kernel_1)
///       output_2_3 = tf.einsum('bij,ijkl->bkl', input_2, self.kernel_2_3)
///       state_1 = s1 + output_1
///       state_2_3 = s2 + output_2_3
///       output = [output_1, output_2_3]
///       new_states = NestedState(state1=state_1, state2=state_2_3)
///       return output, new_states
///
/// Weights: `kernel_1` [I1, U1], `kernel_2_3` [I2, I3, U2, U3]. The cell is linear and its
/// outputs do not read its states: each state is the running sum of its outputs.
///
/// Here the cell runs flat, as every cell does: its input is `concat(x1, flatten(x2))`
/// [B, I1 + I2·I3], its state `(s1 [B, U1], flatten(s2) [B, U2·U3])`, its output
/// `concat(o1, flatten(o23))` [B, U1 + U2·U3]. The einsum is then one matmul of the flat x2 with
/// `kernel_2_3` read as the matrix [I2·I3, U2·U3] its row-major storage already is.
/// `NestedLayout` nests and flattens (RNNLayers' `KerasNestedRNN` does it for a layer).
public struct NestedConfig: Sendable, Equatable {
    public var unit1, unit2, unit3: Int
    /// The input's nested sizes I1 and (I2, I3).
    public var input1, input2, input3: Int

    public init(unit1: Int, unit2: Int, unit3: Int, input1: Int, input2: Int, input3: Int) {
        (self.unit1, self.unit2, self.unit3, self.input1, self.input2, self.input3) = (unit1, unit2, unit3, input1, input2, input3)
    }

    /// The cell's name: `CellSpec.kind` and the fixture's `cell.kind`.
    public static let kind = "NestedCell"

    /// The flat input width I1 + I2·I3.
    public var flatInput: Int { input1 + input2 * input3 }
    /// The flat output width U1 + U2·U3.
    public var flatOutput: Int { unit1 + unit2 * unit3 }

    public func parameterShapes() -> [(name: String, shape: [Int])] {
        [("kernel_1", [input1, unit1]), ("kernel_2_3", [input2, input3, unit2, unit3])]
    }

    func validate(inputSize: Int) throws {
        for (n, v) in [("unit_1", unit1), ("unit_2", unit2), ("unit_3", unit3), ("input_1", input1), ("input_2", input2), ("input_3", input3)] where v < 1 {
            throw RNNError(.invalid, Self.kind, "\(n) must be positive, got \(v)")
        }
        guard inputSize == flatInput else {
            throw RNNError(.shape, Self.kind, "the flat input must have I1 + I2·I3 = \(flatInput) features, got \(inputSize)")
        }
    }
}

/// The nested cell's weights (`kernel_1`, `kernel_2_3` as parameters 0 and 1), read as the two
/// matrices of the flat cell.
public struct NestedLayout: CellLayout {
    public var config: NestedConfig
    /// `kernel_1` [I1, U1].
    public var k1: WeightBlock
    /// `kernel_2_3` as [I2·I3, U2·U3].
    public var k23: WeightBlock

    public static func spec(_ config: NestedConfig) -> CellSpec { .kerasNested(config) }

    public init(_ config: NestedConfig, inputSize: Int, names: [String]) {
        self.config = config
        k1 = WeightBlock(index: names.firstIndex(of: "kernel_1")!, row: 0)
        k23 = WeightBlock(index: names.firstIndex(of: "kernel_2_3")!, row: 0)
    }
}

public typealias NestedWeights<Scalar: RNNFloat> = CellWeights<NestedLayout, Scalar>

/// The nested cell's step and its VJP (RNNScalar's and RNNBLAS's `Implementation.Nested`).
public protocol NestedArithmetic: CellArithmetic where Layout == NestedLayout {}

extension NestedConfig {
    /// `[x1 [B, T, I1], x2 [B, T, I2, I3]]` → the flat input [B, T, I1 + I2·I3]. Errors name `x[k]`.
    public func flattenInput<T: RNNFloat>(_ x: [Tensor<T>]) throws -> Tensor<T> {
        guard x.count == 2 else { throw RNNError(.shape, "x", "NestedCell takes two inputs (feature1, feature2), got \(x.count)") }
        guard x[0].rank == 3, x[0].shape[2] == input1 else {
            throw RNNError(.shape, "x[0]", "feature1 must be [B, T, \(input1)], got \(x[0].shape)")
        }
        let (b, t) = (x[0].shape[0], x[0].shape[1])
        guard x[1].shape == [b, t, input2, input3] else {
            throw RNNError(.shape, "x[1]", "feature2 must be [B, T, I2, I3] = [\(b), \(t), \(input2), \(input3)], got \(x[1].shape)")
        }
        let flat2 = Tensor(uncheckedShape: [b, t, input2 * input3], data: x[1].data)
        return Tensor.concatenatingLast(x[0], flat2)
    }

    /// The flat [·…, U1 + U2·U3] output (or cotangent) → `[o1 [·…, U1], o23 [·…, U2, U3]]`.
    public func nestOutput<T: RNNFloat>(_ y: Tensor<T>) -> [Tensor<T>] {
        let (a, b) = y.splittingLast(at: unit1)
        return [a, Tensor(uncheckedShape: Array(b.shape.dropLast()) + [unit2, unit3], data: b.data)]
    }

    /// The inverse of `nestOutput`.
    public func flattenOutput<T: RNNFloat>(_ y: [Tensor<T>]) -> Tensor<T> {
        let outer = Array(y[0].shape.dropLast())
        return Tensor.concatenatingLast(y[0], Tensor(uncheckedShape: outer + [unit2 * unit3], data: y[1].data))
    }

    /// The state `[s1 [B, U1], s2 [B, U2, U3]]` ↔ the flat cell's `[s1, s2 [B, U2·U3]]`.
    public func flattenState<T: RNNFloat>(_ s: [Tensor<T>]) -> [Tensor<T>] {
        [s[0], Tensor(uncheckedShape: [s[1].shape[0], unit2 * unit3], data: s[1].data)]
    }

    public func nestState<T: RNNFloat>(_ s: [Tensor<T>]) -> [Tensor<T>] {
        [s[0], Tensor(uncheckedShape: [s[1].shape[0], unit2, unit3], data: s[1].data)]
    }
}
