import Foundation
import RNNCore
import RNNCheck
import RNNFixtures
import RNNNumpy

/// Where a training program writes: the document's own lines go to `log` (stdout); a progress
/// line (iteration, loss, speed, ETA) goes to stderr, rewritten in place on a terminal and
/// absent otherwise, so a piped run prints exactly the log lines.
public struct ProgramOutput: @unchecked Sendable {
    public var log: (String) -> Void
    public var progress: ((_ iteration: Int, _ of: Int, _ loss: Double) -> Void)?

    public init(log: @escaping (String) -> Void, progress: ((Int, Int, Double) -> Void)? = nil) {
        self.log = log
        self.progress = progress
    }

    /// stdout for the log; a progress line on stderr when stderr is a terminal.
    public static func console(unit: String = "iter") -> ProgramOutput {
        let start = DispatchTime.now().uptimeNanoseconds
        let tty = isatty(2) == 1
        var last: UInt64 = 0
        return ProgramOutput(log: { print($0) }, progress: tty ? { i, n, loss in
            let now = DispatchTime.now().uptimeNanoseconds
            guard now - last > 100_000_000 || i == n else { return }
            last = now
            let secs = Double(now - start) / 1e9
            let rate = Double(i) / max(secs, 1e-9)
            let eta = rate > 0 ? Double(n - i) / rate : 0
            let line = String(format: "\r%@ %d/%d  loss %.5f  %.1f %@/s  ETA %.0fs   ", unit, i, n, loss, rate, unit, eta)
            FileHandle.standardError.write(line.data(using: .utf8)!)
            if i == n { FileHandle.standardError.write("\n".data(using: .utf8)!) }
        } : nil)
    }
}

/// Weight initialisers, drawn from numpy's legacy stream so a run repeats exactly under a seed.
/// `glorotUniform` is Keras' and TF's default kernel initialiser (U(±√(6/(fan_in + fan_out))));
/// `orthogonal` is Keras' `recurrent_initializer` (QR of a Gaussian matrix, signs fixed by R's
/// diagonal; here by modified Gram–Schmidt, which gives the same Q).
enum Initializer {
    static func glorotUniform<T: RNNFloat>(_ shape: [Int], _ rng: inout NumpyLegacyRandom<GSLMT19937>) -> Tensor<T> {
        let fanIn = shape.count == 2 ? shape[0] : shape.reduce(1, *), fanOut = shape.count == 2 ? shape[1] : shape.reduce(1, *)
        let limit = (6.0 / Double(fanIn + fanOut)).squareRoot()
        return Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in T(rng.uniform(-limit, limit)) })
    }

    static func orthogonal<T: RNNFloat>(rows: Int, cols: Int, _ rng: inout NumpyLegacyRandom<GSLMT19937>) -> Tensor<T> {
        // orthonormal columns of a [max, min] Gaussian matrix, transposed when rows < cols
        let (n, k) = (max(rows, cols), min(rows, cols))
        var a = (0..<(n * k)).map { _ in rng.randn() }        // [n, k] row-major
        for j in 0..<k {
            for p in 0..<j {
                var d = 0.0
                for i in 0..<n { d += a[i * k + j] * a[i * k + p] }
                for i in 0..<n { a[i * k + j] -= d * a[i * k + p] }
            }
            var norm = 0.0
            for i in 0..<n { norm += a[i * k + j] * a[i * k + j] }
            norm = norm.squareRoot()
            for i in 0..<n { a[i * k + j] /= max(norm, 1e-300) }
        }
        var out = Tensor<T>(zeros: [rows, cols])
        for r in 0..<rows { for c in 0..<cols { out.data[r * cols + c] = T(rows >= cols ? a[r * k + c] : a[c * k + r]) } }
        return out
    }

    /// The framework defaults for a cell's parameters: kernels Glorot-uniform, Keras
    /// `recurrent_kernel` orthogonal, biases zero; Keras LSTM `unit_forget_bias` sets the forget
    /// block of its bias to 1 (TF's BasicLSTMCell adds `forget_bias` in the cell instead).
    static func cell<T: RNNFloat>(_ spec: CellSpec, inputSize: Int, _ rng: inout NumpyLegacyRandom<GSLMT19937>) -> Parameters<T> {
        var names: [String] = [], tensors: [Tensor<T>] = []
        for (name, shape) in spec.parameterShapes(inputSize: inputSize) {
            names.append(name)
            if shape.count < 2 || name.contains("bias") {
                var b = Tensor<T>(zeros: shape)
                if case let .lstm(c) = spec, c.flavor == .keras, name == "bias" {
                    for j in c.columns(.forget) { b.data[j] = 1 }
                }
                tensors.append(b)
            } else if name == "recurrent_kernel" {
                tensors.append(orthogonal(rows: shape[0], cols: shape[1], &rng))
            } else {
                tensors.append(glorotUniform(shape, &rng))
            }
        }
        return Parameters(names: names, tensors: tensors)
    }
}

/// A deterministic shuffle (Fisher–Yates driven by numpy's `random_sample`).
func shuffled(_ n: Int, _ rng: inout NumpyLegacyRandom<GSLMT19937>) -> [Int] {
    var p = Array(0..<n)
    for i in stride(from: n - 1, to: 0, by: -1) {
        let j = min(i, Int(rng.randomSample() * Double(i + 1)))
        p.swapAt(i, j)
    }
    return p
}

/// numpy's `linspace(start, stop, num)`: `start + i·step`, the last point exactly `stop`.
func linspace(_ start: Double, _ stop: Double, _ num: Int) -> [Double] {
    guard num > 1 else { return num == 1 ? [start] : [] }
    let step = (stop - start) / Double(num - 1)
    var v = (0..<num).map { start + Double($0) * step }
    v[num - 1] = stop
    return v
}

/// Saves named tensors as `.npz` (float32 or float64, as trained).
public func saveWeights<T: RNNFloat>(_ tensors: [(String, Tensor<T>)], to path: String) throws {
    try NPZ.write(Dictionary(uniqueKeysWithValues: tensors.map { ($0.0, NPYArray($0.1)) }), to: URL(fileURLWithPath: path))
}

/// Loads the tensors `expected` names from an `.npz`, checking each shape.
public func loadWeights<T: RNNFloat>(_ expected: [(String, [Int])], from path: String) throws -> [Tensor<T>] {
    let arrays = try NPZ.read(URL(fileURLWithPath: path))
    return try expected.map { name, shape in
        guard let a = arrays[name] else { throw RNNError(.missing, "\(path): \(name)", "the archive has no array '\(name)' (it has: \(arrays.keys.sorted().joined(separator: ", ")))") }
        guard a.shape == shape else { throw RNNError(.shape, "\(path): \(name)", "expected shape \(shape), got \(a.shape)") }
        return Tensor(uncheckedShape: shape, data: a.values.map { T($0) })
    }
}

/// The training programs' text corpora: UTF-8 without NUL bytes, read whole.
public enum Corpus {
    public static func read(path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw RNNError(.io, path, "cannot read the file") }
        return try decode(data, what: path)
    }

    /// The text of `data`, or a one-line error naming what is wrong with it.
    public static func decode(_ data: Data, what: String) throws -> String {
        guard let s = String(data: data, encoding: .utf8) else { throw RNNError(.invalid, what, "not UTF-8 text") }
        if let i = data.firstIndex(of: 0) { throw RNNError(.invalid, what, "a NUL byte at offset \(i - data.startIndex): not a text file") }
        return s
    }
}
