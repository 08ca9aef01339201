import Synchronization

/// A cell family's weight layout: where each matrix and bias of the family's equations lives
/// among the cell's parameters, for every flavor (framework) of the family.
public protocol CellLayout: Sendable {
    /// What defines one cell of the family (`LSTMConfig`, `GRUConfig`, or the `CellSpec` of a
    /// tanh RNN).
    associatedtype Config: Sendable
    static func spec(_ config: Config) -> CellSpec
    /// `names`: the cell's parameter names, in order, validated against the spec.
    init(_ config: Config, inputSize: Int, names: [String])
}

/// One cell's weights: its config, input width, parameters and where each block lives. This is
/// all a family's arithmetic (`LSTMArithmetic` & co.) reads.
public struct CellWeights<Layout: CellLayout, Scalar: RNNFloat>: Sendable {
    public let config: Layout.Config
    /// I.
    public let inputSize: Int
    public let parameters: Parameters<Scalar>
    public let layout: Layout
    /// What an implementation makes from these weights and keeps with them (`PreparedWeights`).
    public let prepared = PreparedWeights()

    /// `parameters` must be validated against the spec (see `RNNImplementation.buildCell`).
    public init(_ config: Layout.Config, inputSize: Int, parameters: Parameters<Scalar>) {
        self.config = config
        self.inputSize = inputSize
        self.parameters = parameters
        self.layout = Layout(config, inputSize: inputSize, names: parameters.names)
    }

    public var spec: CellSpec { Layout.spec(config) }
}

/// What an implementation makes from a cell's weights and keeps with them: RNNBLAS's packed
/// slices of W_h, W_hᵀ and W_x (`PackedMatrix`), made at the cell's first pass and reused by
/// every later one, as onnxruntime packs an LSTM's weights once per session. The weights never
/// change (`CellWeights` is immutable), so neither does what is made from them; copies of the
/// weights share it. Each entry is made once, under the lock, by the first pass that asks.
/// Entries are found by a typed key of the implementation's own (RNNBLAS's `PreparedKey`: which
/// piece, for how many workers, which worker's).
public final class PreparedWeights: Sendable {
    private let entries = Mutex<[AnyHashable: any AnyObject & Sendable]>([:])

    public init() {}

    /// The entry for `key`, made by `make` if there is none yet.
    public func value<K: Hashable & Sendable, V: AnyObject & Sendable>(_ key: K, _ make: () -> V) -> V {
        entries.withLock { e in
            if let v = e[key] as? V { return v }
            let v = make()
            e[key] = v
            return v
        }
    }

    /// How many entries have been made.
    public var count: Int { entries.withLock { $0.count } }
}

public typealias ElmanWeights<Scalar: RNNFloat> = CellWeights<ElmanLayout, Scalar>
public typealias NumpyRNNWeights<Scalar: RNNFloat> = CellWeights<NumpyRNNLayout, Scalar>
public typealias LSTMWeights<Scalar: RNNFloat> = CellWeights<LSTMLayout, Scalar>
public typealias GRUWeights<Scalar: RNNFloat> = CellWeights<GRULayout, Scalar>
// (CIFGWeights: CIFGConfig.swift)

// MARK: - layouts

/// The tanh RNN of every framework (`CellSpec.tfBasicRNN`, `.kerasSimpleRNN`,
/// `.kerasMinimalRNN`, `.torchRNN`): `h' = act(x·W_x + h·W_h + Σ b)`, with W_x, W_h and the
/// biases stored as TF's fused `kernel` [I + H, H] (rows 0..<I, then I..<I+H) and `bias`,
/// Keras' `kernel` [I, H], `recurrent_kernel` [H, H] and optional `bias`, or PyTorch's
/// `weight_ih` [H, I] = W_xᵀ, `weight_hh` [H, H] = W_hᵀ and optional `bias_ih`, `bias_hh`.
public struct ElmanLayout: CellLayout {
    public var units: Int
    public var activation: Activation
    public var wx: WeightBlock
    public var wh: WeightBlock
    /// Bias vectors added to z (TF, Keras: at most one; PyTorch: `bias_ih` and `bias_hh`).
    public var biases: [Int]
    /// ONNX's `clip`: h' = act(clip(z, −clip, clip)).
    public var clip: Double?

    public init(units: Int, activation: Activation, wx: WeightBlock, wh: WeightBlock, biases: [Int]) {
        (self.units, self.activation, self.wx, self.wh, self.biases) = (units, activation, wx, wh, biases)
    }

    public static func spec(_ config: CellSpec) -> CellSpec { config }

    public init(_ spec: CellSpec, inputSize: Int, names: [String]) {
        switch spec {
        case let .tfBasicRNN(h, act):
            // concat([inputs, state])·kernel == inputs·kernel[0..<I] + state·kernel[I..<I+H]
            self.init(units: h, activation: act, wx: WeightBlock(index: 0, row: 0), wh: WeightBlock(index: 0, row: inputSize), biases: [1])
        case let .kerasSimpleRNN(h, act, useBias):
            self.init(units: h, activation: act, wx: WeightBlock(index: 0, row: 0), wh: WeightBlock(index: 1, row: 0), biases: useBias ? [2] : [])
        case let .kerasMinimalRNN(h):
            self.init(units: h, activation: .linear, wx: WeightBlock(index: 0, row: 0), wh: WeightBlock(index: 1, row: 0), biases: [])
        case let .torchRNN(h, act, bias):
            // x·weight_ihᵀ + bias_ih + h·weight_hhᵀ + bias_hh
            self.init(units: h, activation: act, wx: WeightBlock(index: 0, row: 0, transposed: true),
                      wh: WeightBlock(index: 1, row: 0, transposed: true), biases: bias ? [2, 3] : [])
        case let .onnxRNN(h, act, bias, clip):
            // Xt·Wᵀ + Ht-1·Rᵀ + Wb + Rb
            self.init(units: h, activation: act, wx: WeightBlock(index: 0, row: 0, transposed: true),
                      wh: WeightBlock(index: 1, row: 0, transposed: true), biases: bias ? [2, 3] : [])
            self.clip = clip
        case let .numpyRNN(h, _):
            // before_activation = state·w_cell_state + x·w_cell_input + b_cell
            self.init(units: h, activation: .tanh, wx: WeightBlock(index: 1, row: 0), wh: WeightBlock(index: 0, row: 0), biases: [2])
        case .lstm, .gru, .cifgLSTM, .kerasNested:
            preconditionFailure("\(spec.kind) is not a tanh RNN")
        }
    }
}

/// The two-step numpy RNN (`CellSpec.numpyRNN`): an Elman step on `w_cell_state`,
/// `w_cell_input`, `b_cell`, then the output layer `w_output` [H, O], `b_output` [O].
public struct NumpyRNNLayout: CellLayout {
    public var elman: ElmanLayout
    /// O.
    public var outputs: Int
    public var wOutput: Int
    public var bOutput: Int

    public static func spec(_ config: CellSpec) -> CellSpec { config }

    public init(_ spec: CellSpec, inputSize: Int, names: [String]) {
        guard case let .numpyRNN(_, o) = spec else { preconditionFailure("\(spec.kind) is not the numpy RNN") }
        elman = ElmanLayout(spec, inputSize: inputSize, names: names)
        (outputs, wOutput, bOutput) = (o, 3, 4)
    }
}

extension LSTMLayout: CellLayout {
    public static func spec(_ config: LSTMConfig) -> CellSpec { .lstm(config) }
}

extension GRULayout: CellLayout {
    public static func spec(_ config: GRUConfig) -> CellSpec { .gru(config) }
}

// MARK: - LSTM state packing (every flavor, both implementations)

extension CellWeights where Layout == LSTMLayout {
    /// The peephole vectors `w_i_diag`, `w_f_diag`, `w_o_diag` [H] (nil without peepholes).
    public var peepholeVectors: (i: [Scalar], f: [Scalar], o: [Scalar])? {
        layout.peepholes.map { (parameters.tensors[$0.i].data, parameters.tensors[$0.f].data, parameters.tensors[$0.o].data) }
    }

    /// (c_prev [B, H], h_prev [B, P]) from the framework's state list: TF `(c, m)` or, with
    /// `state_is_tuple=False`, one tensor `concat([c, m], 1)`; Keras and PyTorch `(h, c)`.
    public func splitState(_ state: [Tensor<Scalar>]) -> (c: Tensor<Scalar>, h: Tensor<Scalar>) {
        splitCM(state, units: config.units, width: config.outputWidth, isTuple: config.stateIsTuple, cellStateFirst: config.flavor.cellStateFirst)
    }

    /// The framework's state list from c [B, H] and h [B, P] (the inverse of `splitState`).
    public func joinState(c: Tensor<Scalar>, h: Tensor<Scalar>) -> [Tensor<Scalar>] {
        joinCM(c: c, h: h, isTuple: config.stateIsTuple, cellStateFirst: config.flavor.cellStateFirst)
    }

    /// `joinState` from flat c [B·H] and h [B·P].
    public func joinState(c: [Scalar], h: [Scalar], batch: Int) -> [Tensor<Scalar>] {
        joinState(c: Tensor(uncheckedShape: [batch, config.units], data: c), h: Tensor(uncheckedShape: [batch, config.outputWidth], data: h))
    }
}

/// TF's `LSTMStateTuple(c, m)` (Keras and PyTorch: `(h, c)`, `cellStateFirst` false) or, with
/// `state_is_tuple=False`, one tensor `concat([c, m], 1)`, split into c [B, H] and m [B, P].
public func splitCM<T: RNNFloat>(_ state: [Tensor<T>], units nH: Int, width nP: Int, isTuple: Bool,
                                 cellStateFirst: Bool) -> (c: Tensor<T>, h: Tensor<T>) {
    if isTuple { return cellStateFirst ? (state[0], state[1]) : (state[1], state[0]) }
    let (c, h) = state[0].splittingLast(at: nH)
    return (c, h)
}

/// The inverse of `splitCM`.
public func joinCM<T: RNNFloat>(c: Tensor<T>, h: Tensor<T>, isTuple: Bool, cellStateFirst: Bool) -> [Tensor<T>] {
    if isTuple { return cellStateFirst ? [c, h] : [h, c] }
    return [Tensor.concatenatingLast(c, h)]
}

// MARK: - the arithmetic each implementation provides

/// The arithmetic of a cell family: one step forward and its vector-Jacobian product, and
/// optionally a whole-sequence schedule that computes the same numbers faster. RNNScalar and
/// RNNBLAS each provide every family under the same name (`Implementation.LSTM`, …); the
/// cell types below, the time loop and everything else that is not arithmetic live here once.
public protocol CellArithmetic {
    associatedtype Layout: CellLayout

    /// One step: `x` [B, I], `state` as the spec's `stateSizes` ([B, S] each).
    static func forward<T: RNNFloat>(_ w: CellWeights<Layout, T>, x: Tensor<T>, state: [Tensor<T>]) -> CellStep<T>

    /// Given the cotangents of the step's output and new state, adds the parameter gradients
    /// into `grads` and returns those of `x` and the old state.
    static func backward<T: RNNFloat>(_ w: CellWeights<Layout, T>, step: CellStep<T>, x: Tensor<T>, state: [Tensor<T>],
                                      dOutput: Tensor<T>, dState: [Tensor<T>], grads: inout Parameters<T>) -> CellStepGradients<T>

    /// A whole sequence (time-major `x` [T, B, I]) with `sequence_length` semantics, or nil to
    /// step (`stepwiseForwardSequence`). A result must carry a `tape` for `backwardSequence`.
    static func forwardSequence<T: RNNFloat>(_ w: CellWeights<Layout, T>, x: Tensor<T>, initialState: [Tensor<T>],
                                             lengths: [Int]?) -> SequenceForward<T>?

    /// BPTT through a `forwardSequence` result (one with a tape).
    static func backwardSequence<T: RNNFloat>(_ w: CellWeights<Layout, T>, _ forward: SequenceForward<T>,
                                              dOutputs: Tensor<T>, dFinalState: [Tensor<T>]) -> SequenceGradients<T>

    /// `forwardSequence`'s outputs and final state for inference: no tape (nothing kept for
    /// BPTT), or nil to run `forwardSequence`.
    static func inferSequence<T: RNNFloat>(_ w: CellWeights<Layout, T>, x: Tensor<T>, initialState: [Tensor<T>],
                                           lengths: [Int]?) -> SequenceForward<T>?

    /// How this implementation runs two independent passes (a bidirectional layer's directions).
    static var passRunner: any PassRunner { get }
}

extension CellArithmetic {
    public static func forwardSequence<T: RNNFloat>(_ w: CellWeights<Layout, T>, x: Tensor<T>, initialState: [Tensor<T>],
                                                    lengths: [Int]?) -> SequenceForward<T>? { nil }

    public static func inferSequence<T: RNNFloat>(_ w: CellWeights<Layout, T>, x: Tensor<T>, initialState: [Tensor<T>],
                                                  lengths: [Int]?) -> SequenceForward<T>? { nil }

    public static var passRunner: any PassRunner { OneAfterTheOther() }

    public static func backwardSequence<T: RNNFloat>(_ w: CellWeights<Layout, T>, _ forward: SequenceForward<T>,
                                                     dOutputs: Tensor<T>, dFinalState: [Tensor<T>]) -> SequenceGradients<T> {
        preconditionFailure("this family has no sequence schedule, so no forward pass made a tape for it")
    }
}

/// A family whose sequence schedule runs with a tape (training: `forwardSequence`) or without
/// (inference: `inferSequence`): both entry points are the one schedule.
public protocol TapedSchedule: CellArithmetic {
    /// The sequence schedule; `keepTape` false keeps only what the next step reads, and the
    /// result has no tape. nil, as `forwardSequence`'s, to step.
    static func schedule<T: RNNFloat>(_ w: CellWeights<Layout, T>, x: Tensor<T>, initialState: [Tensor<T>], lengths: [Int]?,
                                      keepTape: Bool) -> SequenceForward<T>?
}

extension TapedSchedule {
    public static func forwardSequence<T: RNNFloat>(_ w: CellWeights<Layout, T>, x: Tensor<T>, initialState: [Tensor<T>],
                                                    lengths: [Int]?) -> SequenceForward<T>? {
        schedule(w, x: x, initialState: initialState, lengths: lengths, keepTape: true)
    }

    public static func inferSequence<T: RNNFloat>(_ w: CellWeights<Layout, T>, x: Tensor<T>, initialState: [Tensor<T>],
                                                  lengths: [Int]?) -> SequenceForward<T>? {
        schedule(w, x: x, initialState: initialState, lengths: lengths, keepTape: false)
    }
}

/// The tanh RNN: `z = x·W_x + h·W_h + b`, `h' = act(z)`; output = new state = h'.
public protocol ElmanArithmetic: CellArithmetic where Layout == ElmanLayout {
    /// (z, h') for one step: x [B, I], h [B, H].
    static func forward<T: RNNFloat>(_ p: Parameters<T>, _ l: ElmanLayout, x: Tensor<T>, h: Tensor<T>) -> (z: Tensor<T>, h: Tensor<T>)
    /// (dx, dh) from dL/dh' (`dhNew`), adding dW_x, dW_h and db into `grads`; `z` is the step's
    /// pre-activation.
    static func backward<T: RNNFloat>(_ p: Parameters<T>, _ l: ElmanLayout, x: Tensor<T>, h: Tensor<T>, z: Tensor<T>, hNew: Tensor<T>,
                                      dhNew: Tensor<T>, grads: inout Parameters<T>) -> (dx: Tensor<T>, dh: Tensor<T>)
}

extension ElmanArithmetic {
    public static func forward<T: RNNFloat>(_ w: ElmanWeights<T>, x: Tensor<T>, state: [Tensor<T>]) -> CellStep<T> {
        let (z, h) = forward(w.parameters, w.layout, x: x, h: state[0])
        return CellStep(output: h, state: [h], cache: .elman(z: z))
    }

    public static func backward<T: RNNFloat>(_ w: ElmanWeights<T>, step: CellStep<T>, x: Tensor<T>, state: [Tensor<T>],
                                             dOutput: Tensor<T>, dState: [Tensor<T>], grads: inout Parameters<T>) -> CellStepGradients<T> {
        // The output and the new state are the same tensor: their cotangents add.
        var dh = dOutput
        dh.add(dState[0])
        let g = backward(w.parameters, w.layout, x: x, h: state[0], z: step.cache.elmanZ, hNew: step.output, dhNew: dh, grads: &grads)
        return CellStepGradients(dx: g.dx, dState: [g.dh])
    }
}

public protocol NumpyRNNArithmetic: CellArithmetic where Layout == NumpyRNNLayout {}
public protocol LSTMArithmetic: CellArithmetic where Layout == LSTMLayout {}

/// The GRU: output = new state = h'.
public protocol GRUArithmetic: CellArithmetic where Layout == GRULayout {
    /// One step from h [B, H]: h' as output and state, and the `GRUStepCache`.
    static func forward<T: RNNFloat>(_ cell: GRUWeights<T>, x: Tensor<T>, h: Tensor<T>) -> CellStep<T>
    /// (dx, dh) from dL/dh' (`dhNew`), adding every weight and bias gradient into `grads`.
    static func backward<T: RNNFloat>(_ cell: GRUWeights<T>, step: CellStep<T>, x: Tensor<T>, h: Tensor<T>,
                                      dhNew: Tensor<T>, grads: inout Parameters<T>) -> (dx: Tensor<T>, dh: Tensor<T>)
}

extension GRUArithmetic {
    public static func forward<T: RNNFloat>(_ cell: GRUWeights<T>, x: Tensor<T>, state: [Tensor<T>]) -> CellStep<T> {
        forward(cell, x: x, h: state[0])
    }

    public static func backward<T: RNNFloat>(_ cell: GRUWeights<T>, step: CellStep<T>, x: Tensor<T>, state: [Tensor<T>],
                                             dOutput: Tensor<T>, dState: [Tensor<T>], grads: inout Parameters<T>) -> CellStepGradients<T> {
        // The output and the new state are the same tensor: their cotangents add.
        var dh = dOutput
        dh.add(dState[0])
        let g = backward(cell, step: step, x: x, h: state[0], dhNew: dh, grads: &grads)
        return CellStepGradients(dx: g.dx, dState: [g.dh])
    }
}

/// `keras.layers.Dense` without activation (and the PTB model's `tf.matmul(output, weight) +
/// bias`): `y = x·K + b`, x [N, I], K [I, O], b [O], y [N, O].
public protocol DenseArithmetic {
    static func forward<T: RNNFloat>(_ x: Tensor<T>, kernel: Tensor<T>, bias: Tensor<T>?) -> Tensor<T>
    /// dx = dy·Kᵀ, dK = xᵀ·dy, db = Σ_rows dy.
    static func backward<T: RNNFloat>(_ x: Tensor<T>, kernel: Tensor<T>, dy: Tensor<T>) -> (dx: Tensor<T>, dKernel: Tensor<T>, dBias: Tensor<T>)
}

/// min-char-rnn's `lossFun` and `sample` (see `MinCharRNNSpec`).
public protocol MinCharRNNArithmetic {
    static func lossFun<T: RNNFloat>(_ p: Parameters<T>, inputs: [Int], targets: [Int],
                                     hprev: Tensor<T>, clipGradients: Bool) -> MinCharRNNLoss<T>
    static func sample<T: RNNFloat, S: UInt32Stream>(_ p: Parameters<T>, h: Tensor<T>, seedIx: Int, n: Int,
                                                     rng: inout NumpyLegacyRandom<S>) throws -> [Int]
}

// MARK: - the cells

/// A cell of one family computed by one implementation: `FamilyCell<RNNBLAS.Implementation.LSTM,
/// Float>` is an LSTM of any flavor in float32 through OpenBLAS. The flavor (framework) is in
/// the weights' config; the arithmetic is `Kernel`'s.
public struct FamilyCell<Kernel: CellArithmetic, Scalar: RNNFloat>: RecurrentCell {
    public let weights: CellWeights<Kernel.Layout, Scalar>

    public init(_ weights: CellWeights<Kernel.Layout, Scalar>) { self.weights = weights }

    /// `parameters` must be validated against the spec (see `RNNImplementation.buildCell`).
    public init(_ config: Kernel.Layout.Config, inputSize: Int, parameters: Parameters<Scalar>) {
        self.init(CellWeights(config, inputSize: inputSize, parameters: parameters))
    }

    public var spec: CellSpec { weights.spec }
    public var inputSize: Int { weights.inputSize }
    public var parameters: Parameters<Scalar> { weights.parameters }

    public func step(_ x: Tensor<Scalar>, state: [Tensor<Scalar>]) -> CellStep<Scalar> {
        Kernel.forward(weights, x: x, state: state)
    }

    public func stepBackward(_ step: CellStep<Scalar>, x: Tensor<Scalar>, state: [Tensor<Scalar>], dOutput: Tensor<Scalar>,
                             dState: [Tensor<Scalar>], grads: inout Parameters<Scalar>) -> CellStepGradients<Scalar> {
        Kernel.backward(weights, step: step, x: x, state: state, dOutput: dOutput, dState: dState, grads: &grads)
    }

    public func forwardSequence(_ x: Tensor<Scalar>, initialState: [Tensor<Scalar>], sequenceLength: [Int]?) -> SequenceForward<Scalar> {
        Kernel.forwardSequence(weights, x: x, initialState: initialState, lengths: sequenceLength)
            ?? stepwiseForwardSequence(self, x, initialState: initialState, sequenceLength: sequenceLength)
    }

    public func inferSequence(_ x: Tensor<Scalar>, initialState: [Tensor<Scalar>], sequenceLength: [Int]?) -> SequenceForward<Scalar> {
        Kernel.inferSequence(weights, x: x, initialState: initialState, lengths: sequenceLength)
            ?? forwardSequence(x, initialState: initialState, sequenceLength: sequenceLength)
    }

    public var passRunner: any PassRunner { Kernel.passRunner }

    /// A run that kept a tape was the kernel's sequence schedule; any other (a mask's, or a
    /// family without a schedule) stepped.
    public func backwardSequence(_ forward: SequenceForward<Scalar>, dOutputs: Tensor<Scalar>,
                                 dFinalState: [Tensor<Scalar>]) -> SequenceGradients<Scalar> {
        if forward.tape != nil {
            return Kernel.backwardSequence(weights, forward, dOutputs: dOutputs, dFinalState: dFinalState)
        }
        return stepwiseBackwardSequence(self, forward, dOutputs: dOutputs, dFinalState: dFinalState)
    }
}
