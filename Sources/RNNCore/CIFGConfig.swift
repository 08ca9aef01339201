/// The coupled input-forget gate LSTM of “基本概念” (002)'s second variant ("the forget gate
/// decides what to forget, and `1 − f` how much new information enters"), as TensorFlow 1.x
/// shipped it: `tf.contrib.rnn.CoupledInputForgetGateLSTMCell(num_units, use_peepholes=False,
/// num_proj=None, proj_clip=None, forget_bias=1.0, state_is_tuple=True, activation=tanh,
/// layer_norm=False, norm_gain=1.0, norm_shift=0.0)` (Greff et al. 2015, "LSTM: A Search Space
/// Odyssey"; tensorflow/contrib/rnn/python/ops/rnn_cell.py, TF ≤ 1.15). Its `call`:
///
///     cell_inputs = array_ops.concat([inputs, m_prev], 1)
///     lstm_matrix = math_ops.matmul(cell_inputs, concat_w)
///     if not self._layer_norm:
///       lstm_matrix = nn_ops.bias_add(lstm_matrix, b)
///     j, f, o = array_ops.split(value=lstm_matrix, num_or_size_splits=3, axis=1)
///     if self._layer_norm:
///       j = _norm(self._norm_gain, self._norm_shift, j, "transform")
///       f = _norm(self._norm_gain, self._norm_shift, f, "forget")
///       o = _norm(self._norm_gain, self._norm_shift, o, "output")
///     if self._use_peepholes:
///       f_act = sigmoid(f + self._forget_bias + w_f_diag * c_prev)
///     else:
///       f_act = sigmoid(f + self._forget_bias)
///     c = (f_act * c_prev + (1 - f_act) * self._activation(j))
///     if self._layer_norm:
///       c = _norm(self._norm_gain, self._norm_shift, c, "state")
///     if self._use_peepholes:
///       m = sigmoid(o + w_o_diag * c) * self._activation(c)
///     else:
///       m = sigmoid(o) * self._activation(c)
///     if self._num_proj is not None:
///       m = math_ops.matmul(m, concat_w_proj)
///       if self._proj_clip is not None:
///         m = clip_ops.clip_by_value(m, -self._proj_clip, self._proj_clip)
///     new_state = (LSTMStateTuple(c, m) if self._state_is_tuple else array_ops.concat([c, m], 1))
///     return m, new_state
///
/// `_norm` is TF 1.x's `layers.layer_norm` over the H features of each row with its own gamma
/// and beta: `y = (v − mean)/sqrt(var + 1e-12)·gamma + beta` (`nn.moments`, then
/// `nn.batch_normalization` with `variance_epsilon = 1e-12`).
///
/// Variables (below the cell's scope, as the contrib cell names them): `W_0` [I + P, 3H]
/// (column blocks `j, f, o`; rows 0..<I multiply the input, I..<I+P `m_prev`), `B` [3H],
/// with `use_peepholes` `W_F_diag`, `W_O_diag` [H], with `layer_norm` `transform/gamma`,
/// `transform/beta`, `forget/gamma`, `forget/beta`, `output/gamma`, `output/beta`,
/// `state/gamma`, `state/beta` [H], with `num_proj` `W_P_0` [H, P]. `B` exists with
/// `layer_norm` too (the cell creates it before it checks) but is not used: its gradient is 0.
/// `norm_gain` and `norm_shift` only initialise gamma and beta. State `(c [B, H], m [B, P])`,
/// or `concat([c, m], 1)`. There is no input gate and no `cell_clip`.
public struct CIFGConfig: Sendable, Equatable {
    /// H.
    public var units: Int
    /// P: `num_proj`; nil for none.
    public var projection: Int?
    public var usePeepholes: Bool = false
    public var projClip: Double?
    /// Added to the forget gate's pre-activation at every step (after layer norm).
    public var forgetBias: Double = 1
    public var stateIsTuple: Bool = true
    /// Candidate and cell-output activation.
    public var activation: Activation = .tanh
    public var layerNorm: Bool = false

    public init(units: Int) { self.units = units }

    /// The contrib cell's name: `CellSpec.kind` and the fixture's `cells[k].kind`.
    public static let kind = "tf.contrib.rnn.CoupledInputForgetGateLSTMCell"

    /// The width of m: P with a projection, else H.
    public var outputWidth: Int { projection ?? units }

    /// The layer-norm scopes in the order the cell creates them; `state` normalises c.
    public static let normScopes = ["transform", "forget", "output", "state"]

    /// Parameter names and shapes, in the order the cell creates them.
    public func parameterShapes(inputSize i: Int) -> [(name: String, shape: [Int])] {
        let h = units
        let norm = { (scope: String) in [("\(scope)/gamma", [h]), ("\(scope)/beta", [h])] }
        var out: [(String, [Int])] = [("W_0", [i + outputWidth, 3 * h]), ("B", [3 * h])]
        if layerNorm { out += Self.normScopes.prefix(3).flatMap(norm) }
        if usePeepholes { out += [("W_F_diag", [h]), ("W_O_diag", [h])] }
        if layerNorm { out += norm("state") }
        if let p = projection { out.append(("W_P_0", [h, p])) }
        return out
    }

    /// `(c, m)` or one `concat([c, m], 1)`.
    public var stateSizes: [Int] { stateIsTuple ? [units, outputWidth] : [units + outputWidth] }

    func validate() throws {
        let k = Self.kind
        guard units > 0 else { throw RNNError(.invalid, k, "num_units must be positive, got \(units)") }
        if let p = projection, p <= 0 { throw RNNError(.invalid, k, "num_proj must be positive, got \(p)") }
        if let c = projClip, !(c > 0) { throw RNNError(.invalid, k, "proj_clip must be positive, got \(c)") }
        if projClip != nil && projection == nil { throw RNNError(.invalid, k, "proj_clip needs num_proj") }
        guard forgetBias.isFinite else { throw RNNError(.invalid, k, "forget_bias must be finite") }
    }
}

/// Where each of the coupled-gate LSTM's parameters lives (see `CIFGConfig`).
public struct CIFGLayout: CellLayout {
    /// Rows 0..<I of `W_0` (the input's), rows I..<I+P (m_prev's).
    public var wx: WeightBlock
    public var wh: WeightBlock
    /// `B`, added to z without layer norm.
    public var bias: Int
    /// `W_F_diag`, `W_O_diag`.
    public var peepholes: (f: Int, o: Int)?
    /// `W_P_0` [H, P].
    public var projection: WeightBlock?
    /// (gamma, beta) of `transform`, `forget`, `output` and `state`, in that order.
    public var norms: [(gamma: Int, beta: Int)]?

    public static func spec(_ config: CIFGConfig) -> CellSpec { .cifgLSTM(config) }

    public init(_ config: CIFGConfig, inputSize: Int, names: [String]) {
        let ix = { (n: String) in names.firstIndex(of: n)! }
        wx = WeightBlock(index: ix("W_0"), row: 0)
        wh = WeightBlock(index: ix("W_0"), row: inputSize)
        bias = ix("B")
        if config.usePeepholes { peepholes = (ix("W_F_diag"), ix("W_O_diag")) }
        if config.projection != nil { projection = WeightBlock(index: ix("W_P_0"), row: 0) }
        if config.layerNorm { norms = CIFGConfig.normScopes.map { (ix("\($0)/gamma"), ix("\($0)/beta")) } }
    }
}

/// What one coupled-gate LSTM step keeps for its backward pass, every tensor [B, H] except `z`
/// [B, 3H] and `mUnclipped` [B, P].
public struct CIFGStepCache<Scalar: RNNFloat>: Sendable {
    /// `[x, m_prev]·W_0` (+ B without layer norm): blocks j, f, o before layer norm.
    public var z: Tensor<Scalar>
    /// g = act(j), f = σ(f + forget_bias [+ W_F⊙c_prev]), o = σ(o [+ W_O⊙c]).
    public var g, f, o: Tensor<Scalar>
    /// j after layer norm: what act was applied to (for an activation whose derivative needs its input).
    public var j: Tensor<Scalar>
    /// c = f⊙c_prev + (1 − f)⊙g before the `state` layer norm, and after it (the same without).
    public var cRaw, c: Tensor<Scalar>
    /// act(c) and mh = o⊙act(c), the output before the projection.
    public var actC, mh: Tensor<Scalar>
    /// mh·W_P before `proj_clip` (mh itself without a projection).
    public var mUnclipped: Tensor<Scalar>

    public init(z: Tensor<Scalar>, g: Tensor<Scalar>, f: Tensor<Scalar>, o: Tensor<Scalar>, j: Tensor<Scalar>, cRaw: Tensor<Scalar>, c: Tensor<Scalar>,
                actC: Tensor<Scalar>, mh: Tensor<Scalar>, mUnclipped: Tensor<Scalar>) {
        (self.z, self.g, self.f, self.o, self.j, self.cRaw, self.c) = (z, g, f, o, j, cRaw, c)
        (self.actC, self.mh, self.mUnclipped) = (actC, mh, mUnclipped)
    }
}

public typealias CIFGWeights<Scalar: RNNFloat> = CellWeights<CIFGLayout, Scalar>

/// The coupled-gate LSTM's step and its vector-Jacobian product (RNNScalar's and RNNBLAS's
/// `Implementation.CIFG`).
public protocol CIFGArithmetic: CellArithmetic where Layout == CIFGLayout {}

extension CellWeights where Layout == CIFGLayout {
    /// (c_prev [B, H], m_prev [B, P]) from `(c, m)` or `concat([c, m], 1)`.
    public func splitState(_ state: [Tensor<Scalar>]) -> (c: Tensor<Scalar>, h: Tensor<Scalar>) {
        splitCM(state, units: config.units, width: config.outputWidth, isTuple: config.stateIsTuple, cellStateFirst: true)
    }

    /// The state list from c [B, H] and m [B, P].
    public func joinState(c: Tensor<Scalar>, h: Tensor<Scalar>) -> [Tensor<Scalar>] {
        joinCM(c: c, h: h, isTuple: config.stateIsTuple, cellStateFirst: true)
    }
}
