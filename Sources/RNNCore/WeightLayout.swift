/// Where a weight matrix lives inside a cell's parameters, so the scalar and BLAS modules read
/// the same layout: parameter `index`, starting at row `row` and column `col`; `ld` is the
/// stored matrix's row length when the block is narrower than it. A `transposed` block is
/// stored whole as its transpose (PyTorch's `weight_ih` [4H, I] holds W_xᵀ; `row` is 0 and
/// `col` selects the gate's rows). TF's fused `kernel` [I + H, ·] holds W_x in rows 0..<I and
/// W_h in rows I..<I+H.
public struct WeightBlock: Sendable {
    public var index: Int
    public var row: Int
    public var transposed: Bool
    public var col: Int
    public var ld: Int?

    public init(index: Int, row: Int, transposed: Bool = false, col: Int = 0, ld: Int? = nil) {
        self.index = index
        self.row = row
        self.transposed = transposed
        self.col = col
        self.ld = ld
    }
}

/// Where one gate's bias lives: parameter `index`, from `offset`.
public struct BiasBlock: Sendable {
    public var index: Int
    public var offset: Int
    public init(index: Int, offset: Int) {
        self.index = index
        self.offset = offset
    }
}

/// The weight layout of an LSTM cell of any flavor (see `LSTMConfig`).
public struct LSTMLayout: Sendable {
    public var wx: WeightBlock
    public var wh: WeightBlock
    /// Bias vectors added to z (TF, Keras: one; PyTorch: `bias_ih` and `bias_hh`).
    public var biases: [Int]
    /// `w_i_diag`, `w_f_diag`, `w_o_diag`.
    public var peepholes: (i: Int, f: Int, o: Int)?
    /// `projection/kernel` [H, P] (TF) or `weight_hr` [P, H] (PyTorch, transposed).
    public var projection: WeightBlock?

    /// `names`: the cell's parameter names in order (validated against the config).
    public init(_ config: LSTMConfig, inputSize: Int, names: [String]) {
        let ix = { (n: String) in names.firstIndex(of: n)! }
        switch config.flavor {
        case .tfLSTMCell, .tfBasicLSTMCell:
            wx = WeightBlock(index: ix("kernel"), row: 0)
            wh = WeightBlock(index: ix("kernel"), row: inputSize)
            biases = [ix("bias")]
            if config.usePeepholes { peepholes = (ix("w_i_diag"), ix("w_f_diag"), ix("w_o_diag")) }
            projection = config.projection == nil ? nil : WeightBlock(index: ix("projection/kernel"), row: 0)
        case .keras:
            wx = WeightBlock(index: ix("kernel"), row: 0)
            wh = WeightBlock(index: ix("recurrent_kernel"), row: 0)
            biases = config.useBias ? [ix("bias")] : []
        case .torch:
            wx = WeightBlock(index: ix("weight_ih"), row: 0, transposed: true)
            wh = WeightBlock(index: ix("weight_hh"), row: 0, transposed: true)
            biases = config.useBias ? [ix("bias_ih"), ix("bias_hh")] : []
            projection = config.projection == nil ? nil : WeightBlock(index: ix("weight_hr"), row: 0, transposed: true)
        case .onnx:
            wx = WeightBlock(index: ix("W"), row: 0, transposed: true)
            wh = WeightBlock(index: ix("R"), row: 0, transposed: true)
            biases = config.useBias ? [ix("Wb"), ix("Rb")] : []
            if config.usePeepholes { peepholes = (ix("P_i"), ix("P_f"), ix("P_o")) }
        }
    }
}

/// The weight layout of a GRU cell of any flavor, per gate role (indexed by `GRUGate.rawValue`).
public struct GRULayout: Sendable {
    public var wx: [WeightBlock]
    public var wh: [WeightBlock]
    public var bx: [BiasBlock?]
    public var bh: [BiasBlock?]

    public init(_ config: GRUConfig, inputSize i: Int, names: [String]) {
        let h = config.units
        let ix = { (n: String) in names.firstIndex(of: n)! }
        let roles = GRUGate.allCases
        switch config.flavor {
        case .tf:
            // gates/kernel [I + H, 2H] holds r, u; candidate/kernel [I + H, H] holds c
            let gk = ix("gates/kernel"), ck = ix("candidate/kernel"), gb = ix("gates/bias"), cb = ix("candidate/bias")
            wx = roles.map { $0 == .candidate ? WeightBlock(index: ck, row: 0) : WeightBlock(index: gk, row: 0, col: config.block($0) * h, ld: 2 * h) }
            wh = roles.map { $0 == .candidate ? WeightBlock(index: ck, row: i) : WeightBlock(index: gk, row: i, col: config.block($0) * h, ld: 2 * h) }
            bx = roles.map { $0 == .candidate ? BiasBlock(index: cb, offset: 0) : BiasBlock(index: gb, offset: config.block($0) * h) }
            bh = [nil, nil, nil]
        case .kerasResetAfter, .kerasResetBefore:
            let k = ix("kernel"), rk = ix("recurrent_kernel")
            wx = roles.map { WeightBlock(index: k, row: 0, col: config.block($0) * h, ld: 3 * h) }
            wh = roles.map { WeightBlock(index: rk, row: 0, col: config.block($0) * h, ld: 3 * h) }
            if config.useBias {
                let b = ix("bias")
                bx = roles.map { BiasBlock(index: b, offset: config.block($0) * h) }
                bh = config.flavor == .kerasResetAfter ? roles.map { BiasBlock(index: b, offset: 3 * h + config.block($0) * h) } : [nil, nil, nil]
            } else {
                bx = [nil, nil, nil]; bh = [nil, nil, nil]
            }
        case .torch, .onnx, .onnxLinearBeforeReset:
            let onnx = config.flavor.isONNX
            let wi = ix(onnx ? "W" : "weight_ih"), whh = ix(onnx ? "R" : "weight_hh")
            wx = roles.map { WeightBlock(index: wi, row: 0, transposed: true, col: config.block($0) * h) }
            wh = roles.map { WeightBlock(index: whh, row: 0, transposed: true, col: config.block($0) * h) }
            if config.useBias {
                let bi = ix(onnx ? "Wb" : "bias_ih"), bhh = ix(onnx ? "Rb" : "bias_hh")
                bx = roles.map { BiasBlock(index: bi, offset: config.block($0) * h) }
                bh = roles.map { BiasBlock(index: bhh, offset: config.block($0) * h) }
            } else {
                bx = [nil, nil, nil]; bh = [nil, nil, nil]
            }
        }
    }
}
