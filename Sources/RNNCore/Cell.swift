/// One time step's results, and what the backward pass needs from it.
public struct CellStep<Scalar: RNNFloat>: Sendable {
    /// The step's output, [B, outputSize].
    public var output: Tensor<Scalar>
    /// The new state, flattened in TF order (e.g. `[h]`; `[c, h]` for LSTM tuples).
    public var state: [Tensor<Scalar>]
    /// Saved activations, typed by family.
    public var cache: StepCache<Scalar>

    public init(output: Tensor<Scalar>, state: [Tensor<Scalar>], cache: StepCache<Scalar>) {
        self.output = output
        self.state = state
        self.cache = cache
    }
}

/// The gradients one step hands back: to its input and to the state it started from.
public struct CellStepGradients<Scalar: RNNFloat>: Sendable {
    public var dx: Tensor<Scalar>
    public var dState: [Tensor<Scalar>]
    public init(dx: Tensor<Scalar>, dState: [Tensor<Scalar>]) {
        self.dx = dx
        self.dState = dState
    }
}

/// A recurrent cell with forward and hand-written backward passes. Every family's cell is a
/// `FamilyCell` over the arithmetic of one implementation (RNNScalar's or RNNBLAS's); shapes
/// are validated once, when the cell is built and when a sequence enters `DynamicRNN`, so the
/// step functions are pure math.
public protocol RecurrentCell<Scalar>: Sendable {
    associatedtype Scalar: RNNFloat
    var spec: CellSpec { get }
    /// I: the width of the input at each step.
    var inputSize: Int { get }
    var parameters: Parameters<Scalar> { get }

    /// One step: `x` [B, I], `state` as `spec.stateSizes` ([B, S] each).
    func step(_ x: Tensor<Scalar>, state: [Tensor<Scalar>]) -> CellStep<Scalar>

    /// The vector-Jacobian product of `step`: given the cotangents of its output and new state,
    /// adds the parameter gradients into `grads` and returns those of `x` and the old state.
    func stepBackward(_ step: CellStep<Scalar>, x: Tensor<Scalar>, state: [Tensor<Scalar>],
                      dOutput: Tensor<Scalar>, dState: [Tensor<Scalar>],
                      grads: inout Parameters<Scalar>) -> CellStepGradients<Scalar>

    /// A whole sequence (time-major `x` [T, B, I]). The default runs `step` T times with
    /// TensorFlow's `sequence_length` semantics; an implementation may replace it by a faster
    /// schedule that computes the same numbers.
    func forwardSequence(_ x: Tensor<Scalar>, initialState: [Tensor<Scalar>],
                         sequenceLength: [Int]?) -> SequenceForward<Scalar>

    /// `forwardSequence` under a Keras mask as well (nil: none). The default steps whenever
    /// there is a mask; a wrapper (`OutputDropout`) passes the mask on to the cell it wraps.
    func forwardSequence(_ x: Tensor<Scalar>, initialState: [Tensor<Scalar>],
                         sequenceLength: [Int]?, mask: StepMask?) -> SequenceForward<Scalar>

    /// `forwardSequence`'s outputs and final state for inference: a cell may keep nothing for
    /// BPTT (its result then has no tape and must not go to `backwardSequence`). The default is
    /// `forwardSequence`.
    func inferSequence(_ x: Tensor<Scalar>, initialState: [Tensor<Scalar>], sequenceLength: [Int]?) -> SequenceForward<Scalar>

    /// BPTT through `forwardSequence`: `dOutputs` [T, B, O], `dFinalState` as the state.
    func backwardSequence(_ forward: SequenceForward<Scalar>, dOutputs: Tensor<Scalar>,
                          dFinalState: [Tensor<Scalar>]) -> SequenceGradients<Scalar>

    /// How this cell's implementation runs a bidirectional layer's two directions (see
    /// `PassRunner`). The default is one after the other.
    var passRunner: any PassRunner { get }
}

extension RecurrentCell {
    public var outputSize: Int { spec.outputSize }
    public var stateSizes: [Int] { spec.stateSizes }

    public func forwardSequence(_ x: Tensor<Scalar>, initialState: [Tensor<Scalar>],
                                sequenceLength: [Int]?) -> SequenceForward<Scalar> {
        stepwiseForwardSequence(self, x, initialState: initialState, sequenceLength: sequenceLength)
    }

    public func forwardSequence(_ x: Tensor<Scalar>, initialState: [Tensor<Scalar>],
                                sequenceLength: [Int]?, mask: StepMask?) -> SequenceForward<Scalar> {
        guard let mask else { return forwardSequence(x, initialState: initialState, sequenceLength: sequenceLength) }
        return stepwiseForwardSequence(self, x, initialState: initialState, sequenceLength: sequenceLength, mask: mask)
    }

    public func inferSequence(_ x: Tensor<Scalar>, initialState: [Tensor<Scalar>], sequenceLength: [Int]?) -> SequenceForward<Scalar> {
        forwardSequence(x, initialState: initialState, sequenceLength: sequenceLength)
    }

    public func backwardSequence(_ forward: SequenceForward<Scalar>, dOutputs: Tensor<Scalar>,
                                 dFinalState: [Tensor<Scalar>]) -> SequenceGradients<Scalar> {
        stepwiseBackwardSequence(self, forward, dOutputs: dOutputs, dFinalState: dFinalState)
    }

    public var passRunner: any PassRunner { OneAfterTheOther() }

    /// The zero state, `[B, S]` for each state tensor (TF's `cell.zero_state`).
    public func zeroState(batch: Int) -> [Tensor<Scalar>] {
        stateSizes.map { Tensor(zeros: [batch, $0]) }
    }
}
