import RNNCore

/// The two-step numpy RNN of 004_519a4069db7eef4b.txt, as a cell:
///
///     before_activation = np.dot(state, w_cell_state) + X[i] * w_cell_input + b_cell
///     state = np.tanh(before_activation)
///     final_output = np.dot(state, w_output) + b_output
///
/// Shapes (batched): x [B, I], state [B, H], `w_cell_state` [H, H], `w_cell_input` [I, H],
/// `b_cell` [H], `w_output` [H, O], `b_output` [O]; output [B, O]. The document has B = 1,
/// I = 1, H = 2, O = 1. Cache: `[before_activation]`.
public struct NumpyRNN<Scalar: RNNFloat>: RecurrentCell {
    public static var cacheNames: [String] { ["before_activation"] }

    public let spec: CellSpec
    public let inputSize: Int
    public let parameters: Parameters<Scalar>
    let elman: Elman<Scalar>
    let outputs: Int

    /// `parameters` must be validated against `spec` (see `RNNImplementation.buildCell`).
    public init(_ spec: CellSpec, inputSize: Int, parameters: Parameters<Scalar>) {
        guard case let .numpyRNN(h, o) = spec else { preconditionFailure("NumpyRNN needs a numpyRNN spec") }
        self.spec = spec
        self.inputSize = inputSize
        self.parameters = parameters
        self.outputs = o
        self.elman = Elman(inputSize: inputSize, units: h, activation: .tanh,
                           wx: WeightBlock(index: 1, row: 0), wh: WeightBlock(index: 0, row: 0), bias: 2)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func step(_ x: Tensor<Scalar>, state: [Tensor<Scalar>]) -> CellStep<Scalar> {
        let (z, h) = elman.forward(parameters, x: x, h: state[0])
        let wOut = parameters.tensors[3], bOut = parameters.tensors[4]
        let (batch, nH) = (x.shape[0], elman.units)
        var y = Tensor<Scalar>(zeros: [batch, outputs])
        for b in 0..<batch {
            for o in 0..<outputs {
                // final_output[b, o] = Σ_k state[b, k]·w_output[k, o] + b_output[o]
                var s: Scalar = 0
                for k in 0..<nH { s += h[b, k] * wOut[k, o] }
                y[b, o] = s + bOut.data[o]
            }
        }
        return CellStep(output: y, state: [h], cache: [z])
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func stepBackward(_ step: CellStep<Scalar>, x: Tensor<Scalar>, state: [Tensor<Scalar>],
                             dOutput: Tensor<Scalar>, dState: [Tensor<Scalar>],
                             grads: inout Parameters<Scalar>) -> CellStepGradients<Scalar> {
        let h = step.state[0]
        let wOut = parameters.tensors[3]
        let (batch, nH) = (x.shape[0], elman.units)
        // dstate = dState + d(final_output)·w_outputᵀ
        var dh = dState[0]
        for b in 0..<batch {
            for k in 0..<nH {
                var s: Scalar = 0
                for o in 0..<outputs { s += dOutput[b, o] * wOut[k, o] }
                dh[b, k] += s
            }
        }
        // dw_output += stateᵀ·d(final_output);  db_output += Σ_b d(final_output)
        for k in 0..<nH {
            for o in 0..<outputs {
                var s: Scalar = 0
                for b in 0..<batch { s += h[b, k] * dOutput[b, o] }
                grads.tensors[3][k, o] += s
            }
        }
        for o in 0..<outputs {
            var s: Scalar = 0
            for b in 0..<batch { s += dOutput[b, o] }
            grads.tensors[4].data[o] += s
        }
        let g = elman.backward(parameters, x: x, h: state[0], hNew: h, dhNew: dh, grads: &grads)
        return CellStepGradients(dx: g.dx, dState: [g.dh])
    }
}
