import RNNCore
import RNNLayers

/// Writing a sequence model built in code as a fixture document (the decoders' inverse), so a
/// model made in Swift can be saved, run by `rnnref run` or handed to a framework script.
/// Decoding the document gives back the same model.
extension SequenceProblem {
    /// The fixture document (`format`, `name`, `about`, `provenance`, `dtype`, `model`,
    /// `tensors`; no `expected`). Cells a fixture cannot describe are refused.
    public func fixtureDocument(name: String, about: String, dtype: DType, provenance: [String: JSONValue] = [:]) throws -> JSONValue {
        var tensors = self.tensors.mapValues(\.json)
        var model: [String: JSONValue] = ["x": .string(xName)]
        if let s = initialStateNames { model["initial_state"] = .array(s.map { .string($0) }) }
        var upstream: [String: JSONValue] = [:]
        upstream["outputs"] = upstreamOutputsName.map { .string($0) }
        upstream["final_state"] = upstreamFinalNames.map { .array($0.map { .string($0) }) }
        if !upstream.isEmpty { model["upstream"] = .object(upstream) }
        let weights = { (c: CellEntry) in JSONValue.object(c.weightNames.mapValues { .string($0) }) }
        switch family {
        case .tf:
            model["kind"] = .string(ModelKind.tfDynamicRNN.rawValue)
            model["time_major"] = .bool(timeMajor)
            model["cells"] = .array(try cells.enumerated().map { k, c in try tfCell(c, weights: weights(c), path: "cells[\(k)]") })
            if let l = sequenceLength {
                tensors["sequence_length"] = TensorData(ints: l).json
                model["sequence_length"] = .string("sequence_length")
            }
        case .numpy:
            model["kind"] = .string(ModelKind.numpyRNN.rawValue)
            model["weights"] = weights(cells[0])
        case .keras:
            let c = cells[0]
            model["weights"] = weights(c)
            model["units"] = .number(Double(c.spec.units))
            model["return_sequences"] = .bool(returnSequences)
            model["return_state"] = .bool(returnState)
            model["go_backwards"] = .bool(goBackwards)
            switch c.spec {
            case let .kerasSimpleRNN(_, activation, useBias):
                model["kind"] = .string(ModelKind.kerasSimpleRNN.rawValue)
                model["activation"] = .string(activation.rawValue)
                model["use_bias"] = .bool(useBias)
            case .kerasMinimalRNN:
                model["kind"] = .string(ModelKind.kerasMinimalRNNCell.rawValue)
            case let .lstm(cfg) where cfg.flavor == .keras:
                model["kind"] = .string(ModelKind.kerasLSTM.rawValue)
                model["activation"] = .string(cfg.activation.rawValue)
                model["recurrent_activation"] = .string(cfg.recurrentActivation.rawValue)
                model["use_bias"] = .bool(cfg.useBias)
            case let .gru(cfg) where cfg.flavor == .kerasResetAfter || cfg.flavor == .kerasResetBefore:
                model["kind"] = .string(ModelKind.kerasGRU.rawValue)
                model["activation"] = .string(cfg.activation.rawValue)
                model["recurrent_activation"] = .string(cfg.recurrentActivation.rawValue)
                model["use_bias"] = .bool(cfg.useBias)
                model["reset_after"] = .bool(cfg.flavor == .kerasResetAfter)
            default:
                throw RNNError(.unsupported, "cells[0]", "\(c.spec.kind) is not a Keras layer")
            }
            if let m = kerasMask {
                tensors["mask"] = TensorData(shape: [x.shape[0], x.shape[1]], values: m.map { $0 ? 1 : 0 }, isInteger: true).json
                model["mask"] = .string("mask")
                model["zero_output_for_mask"] = .bool(zeroOutputForMask)
            }
        case .torch:
            var all: [String: JSONValue] = [:]
            let d = bidirectional ? 2 : 1
            for (j, c) in cells.enumerated() {
                for (v, n) in c.weightNames { all[v + torchKeySuffix(j, directions: d)] = .string(n) }
            }
            model["weights"] = .object(all)
            model["num_layers"] = .number(Double(cells.count / d))
            model["hidden_size"] = .number(Double(cells[0].spec.units))
            model["batch_first"] = .bool(!timeMajor)
            model["bidirectional"] = .bool(bidirectional)
            if let l = sequenceLength {
                tensors["lengths"] = TensorData(ints: l).json
                model["lengths"] = .string("lengths")
            }
            switch cells[0].spec {
            case let .torchRNN(_, nonlinearity, bias):
                model["kind"] = .string(ModelKind.torchRNN.rawValue)
                model["nonlinearity"] = .string(nonlinearity.rawValue)
                model["bias"] = .bool(bias)
            case let .lstm(cfg) where cfg.flavor == .torch:
                model["kind"] = .string(ModelKind.torchLSTM.rawValue)
                model["proj_size"] = .number(Double(cfg.projection ?? 0))
                model["bias"] = .bool(cfg.useBias)
            case let .gru(cfg) where cfg.flavor == .torch:
                model["kind"] = .string(ModelKind.torchGRU.rawValue)
                model["bias"] = .bool(cfg.useBias)
            default:
                throw RNNError(.unsupported, "cells[0]", "\(cells[0].spec.kind) is not a PyTorch module")
            }
        }
        return .object([
            "format": .string(Fixture.format), "name": .string(name), "about": .string(about),
            "provenance": .object(provenance), "dtype": .string(dtype.rawValue),
            "model": .object(model), "tensors": .object(tensors),
        ])
    }

    /// One `tf.nn.dynamic_rnn` cell object with TF's constructor arguments.
    private func tfCell(_ c: CellEntry, weights: JSONValue, path: String) throws -> JSONValue {
        var o: [String: JSONValue] = ["weights": weights, "num_units": .number(Double(c.spec.units))]
        switch c.spec {
        case let .tfBasicRNN(_, activation):
            o["kind"] = .string(TFCellKind.basicRNN.rawValue)
            o["activation"] = .string(activation.rawValue)
        case let .lstm(cfg) where cfg.flavor == .tfLSTMCell || cfg.flavor == .tfBasicLSTMCell:
            o["kind"] = .string(cfg.flavor == .tfLSTMCell ? TFCellKind.lstm.rawValue : TFCellKind.basicLSTM.rawValue)
            o["forget_bias"] = .number(cfg.forgetBias)
            o["activation"] = .string(cfg.activation.rawValue)
            o["state_is_tuple"] = .bool(cfg.stateIsTuple)
            if cfg.flavor == .tfLSTMCell {
                o["use_peepholes"] = .bool(cfg.usePeepholes)
                o["cell_clip"] = cfg.cellClip.map { .number($0) } ?? .null
                o["num_proj"] = cfg.projection.map { .number(Double($0)) } ?? .null
                o["proj_clip"] = cfg.projClip.map { .number($0) } ?? .null
            }
        case let .gru(cfg) where cfg.flavor == .tf:
            o["kind"] = .string(TFCellKind.gru.rawValue)
            o["activation"] = .string(cfg.activation.rawValue)
        case let .cifgLSTM(cfg):
            o["kind"] = .string(TFCellKind.cifgLSTM.rawValue)
            o["use_peepholes"] = .bool(cfg.usePeepholes)
            o["num_proj"] = cfg.projection.map { .number(Double($0)) } ?? .null
            o["proj_clip"] = cfg.projClip.map { .number($0) } ?? .null
            o["forget_bias"] = .number(cfg.forgetBias)
            o["state_is_tuple"] = .bool(cfg.stateIsTuple)
            o["activation"] = .string(cfg.activation.rawValue)
            o["layer_norm"] = .bool(cfg.layerNorm)
        default:
            throw RNNError(.unsupported, path, "\(c.spec.kind) is not a TF cell")
        }
        guard let d = c.dropout else { return .object(o) }
        return .object(["kind": .string(TFCellKind.dropoutWrapper.rawValue), "output_keep_prob": .number(d.keepProb),
                        "seed": .number(Double(d.seed)), "cell": .object(o)])
    }
}
