import Foundation
import RNNFigures
import RNNCore
import RNNCheck
import RNNFixtures
import RNNNumpy

/// The sine-wave task of “循环神经网络” (000): `y = sin(linspace(−100, 100, 1000))`, windows
/// of 50 values predicting the next (`to_train_label`: 949 pairs), a recurrent layer
/// (the document's `MinimalRNNCell(64)`, or `LSTM(128)`), `Dense(1)`, mean squared error,
/// `tf.train.AdamOptimizer()` (lr 0.001), batch 512, shuffled each epoch as `model.fit` does;
/// then the 50-step rolling forecast from the last window, each prediction fed back in.
public struct SineProgram: Sendable {
    public enum Cell: String, Sendable, CaseIterable { case minimal, lstm }
    public var cell: Cell
    public var units: Int
    public var epochs: Int
    public var batch = 512
    public var learningRate = 0.001
    public var timeStep = 50
    public var seed = 0

    /// The document's settings: MinimalRNNCell(64) for 100 epochs, LSTM(128) for 50.
    public init(cell: Cell) {
        self.cell = cell
        units = cell == .minimal ? 64 : 128
        epochs = cell == .minimal ? 100 : 50
    }

    public struct Result: Sendable {
        /// Mean training loss per epoch.
        public var epochLoss: [Double]
        /// The 50 forecast values, and the true continuation sin(x) at the same points.
        public var forecast: [Double]
        public var truth: [Double]
        public var names: [String]
        public var weights: [Tensor<Double>]
    }

    public func run(impl: any RNNImplementation.Type, output: ProgramOutput, initial: [Tensor<Double>]? = nil) throws -> Result {
        guard units > 0, epochs >= 0, batch > 0, timeStep > 0 else { throw RNNError(.invalid, "sine", "units, batch and time step must be positive") }
        let xs = linspace(-100, 100, 1000), y = xs.map { Foundation.sin($0) }
        let count = y.count - timeStep - 1                    // range(serial.shape[0] − time_step − 1)
        var rng = try numpyRandomState(seed: seed)
        let spec: CellSpec = cell == .minimal ? .kerasMinimalRNN(units: units) : .lstm(LSTMConfig(flavor: .keras, units: units))
        var model = Regressor<Double>(impl: impl, specs: [spec], inputSize: 1, rng: &rng)
        if let initial { model.tensors = initial }
        var opt = Optimizer<Double>(.tfAdam(learningRate: learningRate))
        /// time-major windows [T, n, 1] of the samples `rows`, and their labels [n, 1]
        func batchOf(_ rows: ArraySlice<Int>) -> (Tensor<Double>, Tensor<Double>) {
            var x = Tensor<Double>(zeros: [timeStep, rows.count, 1]), t = Tensor<Double>(zeros: [rows.count, 1])
            for (b, r) in rows.enumerated() {
                for s in 0..<timeStep { x.data[s * rows.count + b] = y[r + s] }
                t.data[b] = y[r + timeStep]
            }
            return (x, t)
        }
        var epochLoss: [Double] = []
        for e in 0..<epochs {
            let order = shuffled(count, &rng)
            var total = 0.0
            for start in stride(from: 0, to: count, by: batch) {
                let rows = order[start ..< min(count, start + batch)]
                let (x, t) = batchOf(rows)
                let (loss, grads) = try model.lossAndGradients(x, t)
                var w = model.tensors
                try opt.apply(grads, to: &w)
                model.tensors = w
                total += loss * Double(rows.count)
            }
            epochLoss.append(total / Double(count))
            output.log(String(format: "epoch %d/%d, loss: %.6f", e + 1, epochs, epochLoss.last!))
            output.progress?(e + 1, epochs, epochLoss.last!)
        }
        // the rolling forecast from the last window (input_data[-1])
        var window = Array(y[(count - 1) ..< (count - 1 + timeStep)])
        var forecast: [Double] = []
        for _ in 0..<50 {
            let x = Tensor<Double>(uncheckedShape: [timeStep, 1, 1], data: window)
            let next = try model.predict(x).data[0]
            forecast.append(next)
            window.removeFirst()
            window.append(next)
        }
        let step = xs[1] - xs[0], xLast = xs[count - 1 + timeStep - 1]
        let truth = (1...50).map { Foundation.sin(xLast + Double($0) * step) }
        let rmse = (zip(forecast, truth).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 50).squareRoot()
        output.log(String(format: "forecast: 50 steps, RMSE against sin(x): %.6f", rmse))
        return Result(epochLoss: epochLoss, forecast: forecast, truth: truth, names: model.names, weights: model.tensors)
    }

    /// The document's plot: the last window, then the forecast beside the true continuation.
    public static func plot(_ r: Result, title: String) -> LineChart {
        LineChart(title: title, x: Axis("step after the last window"), y: Axis("value"), series: [
            Series("sin(x)", r.truth.enumerated().map { (Double($0 + 1), $1) }),
            Series("forecast", r.forecast.enumerated().map { (Double($0 + 1), $1) }),
        ])
    }
}

/// The sine regression of “TensorFlow RNN入门” (004): `sin` sampled every 0.01 (10,000 training
/// points from 0, 1,000 test points after them, float32), each input the 10 previous values as
/// one step of 10 features (`X.append([seq[i: i + TIMESTEPS]])`), two `BasicLSTMCell(30)`
/// layers, `fully_connected(1)`, `mean_squared_error`, Adagrad (lr 0.1, TF's initial accumulator
/// 0.1), batch 32, 3000 steps; reports the test RMSE the document prints ("Mean Square Error
/// is: %f").
public struct SineRegressionProgram: Sendable {
    public var hidden = 30
    public var layers = 2
    public var timesteps = 10
    public var steps = 3000
    public var batch = 32
    public var learningRate = 0.1
    public var seed = 0

    public init() {}

    public struct Result: Sendable {
        public var loss: [Double]
        public var rmse: Double
        public var predictions: [Double]
        public var truth: [Double]
        public var names: [String]
        public var weights: [Tensor<Float>]
    }

    func windows(_ seq: [Float]) -> (x: [[Float]], y: [Float]) {
        var x: [[Float]] = [], y: [Float] = []
        for i in 0..<(seq.count - timesteps - 1) {
            x.append(Array(seq[i ..< i + timesteps]))
            y.append(seq[i + timesteps])
        }
        return (x, y)
    }

    public func run(impl: any RNNImplementation.Type, output: ProgramOutput, initial: [Tensor<Float>]? = nil) throws -> Result {
        guard hidden > 0, layers > 0, timesteps > 0, batch > 0, steps >= 0 else { throw RNNError(.invalid, "sine-regression", "sizes must be positive") }
        let (trainN, testN, gap) = (10_000, 1_000, 0.01)
        let testStart = Double(trainN) * gap, testEnd = Double(trainN + testN) * gap
        let train = windows(linspace(0, testStart, trainN).map { Float(Foundation.sin(Double(Float($0)))) })
        let test = windows(linspace(testStart, testEnd, testN).map { Float(Foundation.sin(Double(Float($0)))) })
        var rng = try numpyRandomState(seed: seed)
        var cfg = LSTMConfig(flavor: .tfBasicLSTMCell, units: hidden)
        cfg.forgetBias = 1
        var model = Regressor<Float>(impl: impl, specs: Array(repeating: .lstm(cfg), count: layers), inputSize: timesteps, rng: &rng)
        if let initial { model.tensors = initial }
        var opt = Optimizer<Float>(.tfAdagrad(learningRate: learningRate))
        func batchOf(_ rows: [Int], _ d: (x: [[Float]], y: [Float])) -> (Tensor<Float>, Tensor<Float>) {
            // one time step of `timesteps` features: x [1, B, timesteps]
            (Tensor(uncheckedShape: [1, rows.count, timesteps], data: rows.flatMap { d.x[$0] }),
             Tensor(uncheckedShape: [rows.count, 1], data: rows.map { d.y[$0] }))
        }
        var order: [Int] = [], cursor = 0
        var losses: [Double] = []
        for s in 0..<steps {
            if cursor + batch > order.count { order = shuffled(train.y.count, &rng); cursor = 0 }
            let rows = Array(order[cursor ..< cursor + batch])
            cursor += batch
            let (x, t) = batchOf(rows, train)
            let (loss, grads) = try model.lossAndGradients(x, t)
            var w = model.tensors
            try opt.apply(grads, to: &w)
            model.tensors = w
            losses.append(Double(loss))
            if (s + 1) % 500 == 0 || s == 0 { output.log(String(format: "step %d, loss: %.6f", s + 1, Double(loss))) }
            output.progress?(s + 1, steps, Double(loss))
        }
        let (tx, _) = batchOf(Array(0..<test.y.count), test)
        let pred = try model.predict(tx).data.map { Double($0) }
        let truth = test.y.map { Double($0) }
        let rmse = (zip(pred, truth).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(truth.count)).squareRoot()
        output.log(String(format: "Mean Square Error is: %f", rmse))
        return Result(loss: losses, rmse: rmse, predictions: pred, truth: truth, names: model.names, weights: model.tensors)
    }

    public static func plot(_ r: Result) -> LineChart {
        LineChart(title: "004 sine regression: test set", x: Axis("test point"), y: Axis("sin"), series: [
            Series("real_sin", r.truth.enumerated().map { (Double($0), $1) }),
            Series("predictions", r.predictions.enumerated().map { (Double($0), $1) }),
        ])
    }
}
