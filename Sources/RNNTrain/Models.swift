import RNNCore
import RNNCheck
import RNNFixtures
import RNNNumpy

/// A sequence-to-one regressor, the model of both sine programs: a stack of recurrent layers
/// (time-major x [T, B, I]), its last output h_T [B, H], then `Dense(1)`, trained on the mean
/// squared error. `tensors` lists every trainable tensor (each layer's parameters, then the
/// Dense kernel and bias) in the order the optimizer sees them.
struct Regressor<T: RNNFloat> {
    let impl: any RNNImplementation.Type
    let specs: [CellSpec]
    let inputSize: Int
    var layers: [Parameters<T>]
    var kernel: Tensor<T>
    var bias: Tensor<T>

    init(impl: any RNNImplementation.Type, specs: [CellSpec], inputSize: Int, rng: inout NumpyLegacyRandom<GSLMT19937>) {
        self.impl = impl
        self.specs = specs
        self.inputSize = inputSize
        var width = inputSize
        layers = specs.map { s in
            defer { width = s.outputSize }
            return Initializer.cell(s, inputSize: width, &rng)
        }
        kernel = Initializer.glorotUniform([specs.last!.outputSize, 1], &rng)
        bias = Tensor(zeros: [1])
    }

    var names: [String] {
        layers.enumerated().flatMap { k, p in p.names.map { "layer\(k)/\($0)" } } + ["dense/kernel", "dense/bias"]
    }

    var tensors: [Tensor<T>] {
        get { layers.flatMap(\.tensors) + [kernel, bias] }
        set {
            var i = 0
            for k in layers.indices { for j in layers[k].tensors.indices { layers[k].tensors[j] = newValue[i]; i += 1 } }
            kernel = newValue[i]; bias = newValue[i + 1]
        }
    }

    func network() throws -> DynamicRNN<T> {
        var width = inputSize
        return try DynamicRNN(cells: specs.enumerated().map { k, s in
            defer { width = s.outputSize }
            return impl.makeCell(s, inputSize: width, parameters: layers[k])
        }, timeMajor: true)
    }

    func lastOutput(_ f: DynamicRNN<T>.Forward) -> Tensor<T> {
        let (t, b, h) = (f.outputs.shape[0], f.outputs.shape[1], f.outputs.shape[2])
        return Tensor(uncheckedShape: [b, h], data: Array(f.outputs.data[((t - 1) * b * h)...]))
    }

    /// Predictions [B, 1] for x [T, B, I].
    func predict(_ x: Tensor<T>) throws -> Tensor<T> {
        let f = try network().forward(x)
        return impl.dense(lastOutput(f), kernel: kernel, bias: bias)
    }

    /// The MSE loss on (x, y [B, 1]) and its gradient for every tensor of `tensors`.
    func lossAndGradients(_ x: Tensor<T>, _ y: Tensor<T>) throws -> (T, [Tensor<T>]) {
        let net = try network()
        let f = try net.forward(x)
        let last = lastOutput(f)
        let pred = impl.dense(last, kernel: kernel, bias: bias)
        let (loss, dPred) = try meanSquaredError(predictions: pred, targets: y)
        let d = impl.denseBackward(last, kernel: kernel, dy: dPred)
        var dOut = Tensor<T>(zeros: f.outputs.shape)
        let off = (f.outputs.shape[0] - 1) * last.count
        for i in 0..<last.count { dOut.data[off + i] = d.dx.data[i] }
        let g = try net.backward(f, dOutputs: dOut, dFinalState: f.finalState.map { Tensor(zeros: $0.shape) })
        return (loss, g.dParameters.flatMap(\.tensors) + [d.dKernel, d.dBias])
    }
}
