import RNNCore

extension Implementation {
    /// The two-step numpy RNN of “TensorFlow RNN入门” (004), as a cell (see RNNScalar's `NumpyRNN`
    /// for the equations). Here the state update is the vectorised `Elman` step and the output
    /// `final_output = state·w_output + b_output` one GEMM.
    public enum NumpyRNN: NumpyRNNArithmetic {
        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func forward<T: RNNFloat>(_ w: NumpyRNNWeights<T>, x: Tensor<T>, state: [Tensor<T>]) -> CellStep<T> {
            let (l, parameters) = (w.layout, w.parameters)
            let (z, h) = Elman.forward(parameters, l.elman, x: x, h: state[0])
            let (batch, nH, outputs) = (x.shape[0], l.elman.units, l.outputs)
            var y = [T](repeating: 0, count: batch * outputs)
            for b in 0..<batch { for o in 0..<outputs { y[b * outputs + o] = parameters.tensors[l.bOutput].data[o] } }
            gemm(false, false, m: batch, n: outputs, k: nH, h.data, lda: nH,
                 parameters.tensors[l.wOutput].data, ldb: outputs, beta: 1, &y, ldc: outputs)
            return CellStep(output: Tensor(uncheckedShape: [batch, outputs], data: y), state: [h], cache: .numpyRNN(beforeActivation: z))
        }

        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func backward<T: RNNFloat>(_ w: NumpyRNNWeights<T>, step: CellStep<T>, x: Tensor<T>, state: [Tensor<T>],
                                                 dOutput: Tensor<T>, dState: [Tensor<T>], grads: inout Parameters<T>) -> CellStepGradients<T> {
            let (l, parameters) = (w.layout, w.parameters)
            let h = step.state[0]
            let (batch, nH, outputs) = (x.shape[0], l.elman.units, l.outputs)
            var dh = dState[0].data                                                   // dstate = dState + dy·w_outputᵀ
            gemm(false, true, m: batch, n: nH, k: outputs, dOutput.data, lda: outputs,
                 parameters.tensors[l.wOutput].data, ldb: outputs, beta: 1, &dh, ldc: nH)
            gemm(true, false, m: nH, n: outputs, k: batch, h.data, lda: nH, dOutput.data, ldb: outputs,
                 beta: 1, &grads.tensors[l.wOutput].data, ldc: outputs)                       // dw_output += stateᵀ·dy
            addColumnSums(dOutput.data, rows: batch, cols: outputs, into: &grads.tensors[l.bOutput].data)
            let g = Elman.backward(parameters, l.elman, x: x, h: state[0], z: step.cache.beforeActivation, hNew: h,
                                   dhNew: Tensor(uncheckedShape: [batch, nH], data: dh), grads: &grads)
            return CellStepGradients(dx: g.dx, dState: [g.dh])
        }
    }
}
