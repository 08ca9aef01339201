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
    case torchLSTM = "torch.nn.LSTM"
    case torchGRU = "torch.nn.GRU"
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
    public static let torchModules: [ModelKind] = [.torchLSTM, .torchGRU]
}

/// The cells `tf.nn.dynamic_rnn` and `tf.nn.bidirectional_dynamic_rnn` stack (`cells[k].kind`).
public enum TFCellKind: String, Sendable, CaseIterable {
    case basicRNN = "tf.BasicRNNCell"
    case lstm = "tf.LSTMCell"
    case basicLSTM = "tf.BasicLSTMCell"
    case gru = "tf.GRUCell"
    case dropoutWrapper = "tf.DropoutWrapper"
}
