import RNNCore

// (The enums below are tables of names; their cases look alike by construction.)

/// Every `model.kind` a fixture may name (Fixtures/FORMAT.md), and the cells and layers inside
/// them: the one place their names are spelled. Code elsewhere names a kind by its case.
public enum ModelKind: String, Sendable, CaseIterable {
    case tfDynamicRNN = "tf.nn.dynamic_rnn"
    case tfBidirectionalDynamicRNN = "tf.nn.bidirectional_dynamic_rnn"
    case kerasBidirectional = "keras.Bidirectional"
    case kerasSequential = "keras.Sequential"
    case kerasEncoderDecoder = "keras.EncoderDecoder"
    case numpyRNN = "numpy.rnn"
    case kerasSimpleRNN = "keras.SimpleRNN"
    case kerasMinimalRNNCell = "keras.MinimalRNNCell"
    case kerasLSTM = "keras.LSTM"
    case kerasGRU = "keras.GRU"
    /// `keras.layers.RNN(cell)`: a Keras cell (`keras.LSTMCell`, `keras.GRUCell`,
    /// `keras.SimpleRNNCell`) or 003's `NestedCell`.
    case kerasRNN = "keras.RNN"
    case torchRNN = "torch.nn.RNN"
    case torchLSTM = "torch.nn.LSTM"
    case torchGRU = "torch.nn.GRU"
    /// ONNX's `LSTM` operator (opset 22), every attribute and input.
    case onnxLSTM = "onnx.LSTM"
    /// ONNX's `GRU` operator, either `linear_before_reset`.
    case onnxGRU = "onnx.GRU"
    /// ONNX's `RNN` operator.
    case onnxRNN = "onnx.RNN"
    /// `flax.linen.RNN(cell)` over `LSTMCell`, `OptimizedLSTMCell`, `GRUCell`, `SimpleCell`.
    case flaxRNN = "flax.linen.RNN"
    /// `flax.linen.Bidirectional(forward_rnn, backward_rnn)`.
    case flaxBidirectional = "flax.linen.Bidirectional"
    case numpyMinCharRNN = "numpy.min_char_rnn"
    case numpyRandom = "numpy.random"
    case optimizer = "optimizer"
    case tfClipByGlobalNorm = "tf.clip_by_global_norm"
    case tfSequenceLossByExample = "tf.legacy_seq2seq.sequence_loss_by_example"
    case tfEmbeddingLookup = "tf.nn.embedding_lookup"
    case kerasDenseMSE = "keras.Dense+MeanSquaredError"

    /// The Keras recurrent layers (a model of their own, or a layer of `keras.Sequential`,
    /// `keras.Bidirectional` and `keras.EncoderDecoder`).
    public static let kerasLayers: [ModelKind] = [.kerasSimpleRNN, .kerasMinimalRNNCell, .kerasLSTM, .kerasGRU]
    /// PyTorch's recurrent modules.
    public static let torchModules: [ModelKind] = [.torchRNN, .torchLSTM, .torchGRU]
}

/// The layers of 003's whole models that `keras.Sequential` takes besides the recurrent ones
/// (`layers[k].kind`).
public enum KerasHeadKind: String, Sendable, CaseIterable {
    case embedding = "keras.Embedding"
    case dense = "keras.Dense"
    case batchNormalization = "keras.BatchNormalization"
}

/// The cells `tf.nn.dynamic_rnn` and `tf.nn.bidirectional_dynamic_rnn` stack (`cells[k].kind`).
public enum TFCellKind: String, Sendable, CaseIterable {
    case basicRNN = "tf.BasicRNNCell"
    case lstm = "tf.LSTMCell"
    case basicLSTM = "tf.BasicLSTMCell"
    case gru = "tf.GRUCell"
    case cifgLSTM = "tf.contrib.rnn.CoupledInputForgetGateLSTMCell"
    case dropoutWrapper = "tf.DropoutWrapper"
}

/// One recurrent layer (or cell) of one framework, by its framework's name: what
/// `rnnref gradcheck --cell` builds at random and what `rnnref convert --to` writes.
public enum LayerKind: Sendable, CaseIterable {
    case tfBasicRNNCell, kerasSimpleRNN, kerasMinimalRNNCell, torchRNN, numpyRNN, numpyMinCharRNN
    case tfLSTMCell, tfBasicLSTMCell, kerasLSTM, torchLSTM, tfCIFGLSTMCell
    case tfGRUCell, kerasGRU, torchGRU

    /// The framework's name: a TF cell's `cells[k].kind`, otherwise the model's `kind`.
    public var name: String {
        switch self {
        case .tfBasicRNNCell: TFCellKind.basicRNN.rawValue
        case .tfLSTMCell: TFCellKind.lstm.rawValue
        case .tfBasicLSTMCell: TFCellKind.basicLSTM.rawValue
        case .tfGRUCell: TFCellKind.gru.rawValue
        case .tfCIFGLSTMCell: TFCellKind.cifgLSTM.rawValue
        case .kerasSimpleRNN: ModelKind.kerasSimpleRNN.rawValue
        case .kerasMinimalRNNCell: ModelKind.kerasMinimalRNNCell.rawValue
        case .kerasLSTM: ModelKind.kerasLSTM.rawValue
        case .kerasGRU: ModelKind.kerasGRU.rawValue
        case .numpyRNN: ModelKind.numpyRNN.rawValue
        case .numpyMinCharRNN: ModelKind.numpyMinCharRNN.rawValue
        case .torchRNN: ModelKind.torchRNN.rawValue
        case .torchLSTM: ModelKind.torchLSTM.rawValue
        case .torchGRU: ModelKind.torchGRU.rawValue
        }
    }

    /// The kind of that name, among `among`; the error names the `option` and `what` it is.
    public init(name: String, among: [LayerKind] = LayerKind.allCases, option: String, what: String) throws {
        guard let k = among.first(where: { $0.name == name }) else {
            throw RNNError(.unknown, option, "unknown \(what) \"\(name)\" (known: \(among.map(\.name).joined(separator: ", ")))")
        }
        self = k
    }

    /// The layer that runs it: TF cells run in `tf.nn.dynamic_rnn`.
    public var family: SequenceProblem.Family? {
        switch self {
        case .tfBasicRNNCell, .tfLSTMCell, .tfBasicLSTMCell, .tfGRUCell, .tfCIFGLSTMCell: .tf
        case .kerasSimpleRNN, .kerasMinimalRNNCell, .kerasLSTM, .kerasGRU: .keras
        case .torchRNN, .torchLSTM, .torchGRU: .torch
        case .numpyRNN: .numpy
        case .numpyMinCharRNN: nil
        }
    }
}
