import RNNCore

/// The two-step numpy RNN of 004_519a4069db7eef4b.txt, as a cell (see RNNScalar's `NumpyRNN`
/// for the equations). Here the state update is the vectorised `Elman` step and the output
/// `final_output = state·w_output + b_output` one GEMM.
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
        let (batch, nH) = (x.shape[0], elman.units)
        var y = [Scalar](repeating: 0, count: batch * outputs)
        for b in 0..<batch { for o in 0..<outputs { y[b * outputs + o] = parameters.tensors[4].data[o] } }
        gemm(false, false, m: batch, n: outputs, k: nH, h.data, lda: nH,
             parameters.tensors[3].data, ldb: outputs, beta: 1, &y, ldc: outputs)
        return CellStep(output: Tensor(uncheckedShape: [batch, outputs], data: y), state: [h], cache: [z])
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func stepBackward(_ step: CellStep<Scalar>, x: Tensor<Scalar>, state: [Tensor<Scalar>],
                             dOutput: Tensor<Scalar>, dState: [Tensor<Scalar>],
                             grads: inout Parameters<Scalar>) -> CellStepGradients<Scalar> {
        let h = step.state[0]
        let (batch, nH) = (x.shape[0], elman.units)
        var dh = dState[0].data                                                   // dstate = dState + dy·w_outputᵀ
        gemm(false, true, m: batch, n: nH, k: outputs, dOutput.data, lda: outputs,
             parameters.tensors[3].data, ldb: outputs, beta: 1, &dh, ldc: nH)
        gemm(true, false, m: nH, n: outputs, k: batch, h.data, lda: nH, dOutput.data, ldb: outputs,
             beta: 1, &grads.tensors[3].data, ldc: outputs)                       // dw_output += stateᵀ·dy
        addColumnSums(dOutput.data, rows: batch, cols: outputs, into: &grads.tensors[4].data)
        let g = elman.backward(parameters, x: x, h: state[0], hNew: h,
                               dhNew: Tensor(uncheckedShape: [batch, nH], data: dh), grads: &grads)
        return CellStepGradients(dx: g.dx, dState: [g.dh])
    }
}
