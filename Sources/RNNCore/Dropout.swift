/// `tf.compat.v1.nn.rnn_cell.DropoutWrapper(cell, output_keep_prob)` as the PTB model of
/// “TensorFlow RNN入门” (004) uses it: the wrapped cell's *output* is multiplied by a dropout mask
/// at every step (inverted dropout: kept entries scaled by 1/keep_prob); its state passes
/// unchanged. `mask` [T, B, O] holds 0 or 1/keep_prob, drawn by the caller from a seeded
/// generator (see RNNCheck's fixture runner), so a run is deterministic given the seed and its
/// gradients flow through the same mask.
public struct OutputDropout<Scalar: RNNFloat>: RecurrentCell {
    public let inner: any RecurrentCell<Scalar>
    public let mask: Tensor<Scalar>

    public init(_ inner: any RecurrentCell<Scalar>, mask: Tensor<Scalar>) {
        self.inner = inner
        self.mask = mask
    }

    public var spec: CellSpec { inner.spec }
    public var inputSize: Int { inner.inputSize }
    public var parameters: Parameters<Scalar> { inner.parameters }
    public var passRunner: any PassRunner { inner.passRunner }

    /// A single step has no time index to pick its mask by: the wrapper runs whole sequences
    /// (`forwardSequence`), and a lone step is the wrapped cell's.
    public func step(_ x: Tensor<Scalar>, state: [Tensor<Scalar>]) -> CellStep<Scalar> { inner.step(x, state: state) }

    public func stepBackward(_ step: CellStep<Scalar>, x: Tensor<Scalar>, state: [Tensor<Scalar>], dOutput: Tensor<Scalar>,
                             dState: [Tensor<Scalar>], grads: inout Parameters<Scalar>) -> CellStepGradients<Scalar> {
        inner.stepBackward(step, x: x, state: state, dOutput: dOutput, dState: dState, grads: &grads)
    }

    public func forwardSequence(_ x: Tensor<Scalar>, initialState: [Tensor<Scalar>], sequenceLength: [Int]?) -> SequenceForward<Scalar> {
        forwardSequence(x, initialState: initialState, sequenceLength: sequenceLength, mask: nil)
    }

    /// The wrapped cell's sequence (under `stepMask` too), then its outputs times the dropout mask.
    public func forwardSequence(_ x: Tensor<Scalar>, initialState: [Tensor<Scalar>], sequenceLength: [Int]?,
                                mask stepMask: StepMask?) -> SequenceForward<Scalar> {
        var f = inner.forwardSequence(x, initialState: initialState, sequenceLength: sequenceLength, mask: stepMask)
        for i in f.outputs.data.indices { f.outputs.data[i] *= mask.data[i] }      // output = dropout(output)
        return f
    }

    public func backwardSequence(_ forward: SequenceForward<Scalar>, dOutputs: Tensor<Scalar>,
                                 dFinalState: [Tensor<Scalar>]) -> SequenceGradients<Scalar> {
        var d = dOutputs
        for i in d.data.indices { d.data[i] *= mask.data[i] }
        return inner.backwardSequence(forward, dOutputs: d, dFinalState: dFinalState)
    }
}
