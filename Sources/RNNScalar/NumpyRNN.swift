import RNNCore

extension Implementation {
    /// The two-step numpy RNN of “TensorFlow RNN入门” (004), as a cell:
    ///
    ///     before_activation = np.dot(state, w_cell_state) + X[i] * w_cell_input + b_cell
    ///     state = np.tanh(before_activation)
    ///     final_output = np.dot(state, w_output) + b_output
    ///
    /// Shapes (batched): x [B, I], state [B, H], `w_cell_state` [H, H], `w_cell_input` [I, H],
    /// `b_cell` [H], `w_output` [H, O], `b_output` [O]; output [B, O]. The document has B = 1,
    /// I = 1, H = 2, O = 1. Cache: `before_activation`.
    public enum NumpyRNN: NumpyRNNArithmetic {
        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func forward<T: RNNFloat>(_ w: NumpyRNNWeights<T>, x: Tensor<T>, state: [Tensor<T>]) -> CellStep<T> {
            let l = w.layout
            let (z, h) = Elman.forward(w.parameters, l.elman, x: x, h: state[0])
            let wOut = w.parameters.tensors[l.wOutput], bOut = w.parameters.tensors[l.bOutput]
            let (batch, nH) = (x.shape[0], l.elman.units)
            var y = Tensor<T>(zeros: [batch, l.outputs])
            for b in 0..<batch {
                for o in 0..<l.outputs {
                    // final_output[b, o] = Σ_k state[b, k]·w_output[k, o] + b_output[o]
                    var s: T = 0
                    for k in 0..<nH { s += h[b, k] * wOut[k, o] }
                    y[b, o] = s + bOut.data[o]
                }
            }
            return CellStep(output: y, state: [h], cache: .numpyRNN(beforeActivation: z))
        }
        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func backward<T: RNNFloat>(_ w: NumpyRNNWeights<T>, step: CellStep<T>, x: Tensor<T>, state: [Tensor<T>],
                                                 dOutput: Tensor<T>, dState: [Tensor<T>], grads: inout Parameters<T>) -> CellStepGradients<T> {
            let l = w.layout
            let h = step.state[0]
            let wOut = w.parameters.tensors[l.wOutput]
            let (batch, nH) = (x.shape[0], l.elman.units)
            // dstate = dState + d(final_output)·w_outputᵀ
            var dh = dState[0]
            for b in 0..<batch {
                for k in 0..<nH {
                    var s: T = 0
                    for o in 0..<l.outputs { s += dOutput[b, o] * wOut[k, o] }
                    dh[b, k] += s
                }
            }
            // dw_output += stateᵀ·d(final_output);  db_output += Σ_b d(final_output)
            for k in 0..<nH {
                for o in 0..<l.outputs {
                    var s: T = 0
                    for b in 0..<batch { s += h[b, k] * dOutput[b, o] }
                    grads.tensors[l.wOutput][k, o] += s
                }
            }
            for o in 0..<l.outputs {
                var s: T = 0
                for b in 0..<batch { s += dOutput[b, o] }
                grads.tensors[l.bOutput].data[o] += s
            }
            let g = Elman.backward(w.parameters, l.elman, x: x, h: state[0], z: step.cache.beforeActivation, hNew: h, dhNew: dh, grads: &grads)
            return CellStepGradients(dx: g.dx, dState: [g.dh])
        }
    }
}
