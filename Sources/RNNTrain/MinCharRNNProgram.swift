import Foundation
import RNNCore
import RNNCheck
import RNNFixtures
import RNNNumpy

/// The min-char-rnn program of “基本概念” (002), line for line (Karpathy's
/// min-char-rnn.py): sweep the text in windows of `seqLength` characters, `lossFun` (forward,
/// BPTT, gradients clipped to ±5), Adagrad (`mem += d·d; p += −lr·d/√(mem + 1e-8)`), a smoothed
/// loss, and every `logEvery` iterations a 200-character sample between `----` lines and
/// `iter N, loss: L`. Two deliberate changes, which `Fixtures/generate/min_char_rnn_program.py`
/// (the numpy program we compare with) makes too: the vocabulary is the sorted set of
/// characters, and the weights come from `np.random.seed(seed)`. numpy's legacy stream is
/// mirrored exactly (GSL's MT19937, `randn`, `choice`), so the two print the same lines.
public struct MinCharRNNProgram: Sendable {
    public var text: String
    public var seed: Int
    public var iterations: Int
    public var logEvery: Int = 1000
    public var hidden: Int = 100
    public var seqLength: Int = 25
    public var learningRate: Double = 0.1

    public init(text: String, seed: Int, iterations: Int) {
        self.text = text
        self.seed = seed
        self.iterations = iterations
    }

    /// What a run leaves: the weights (Wxh, Whh, Why, bh, by) and the smoothed loss per iteration.
    public struct Result: Sendable {
        public var parameters: Parameters<Double>
        public var smoothLoss: [Double]
    }

    public func run(impl: any RNNImplementation.Type, output: ProgramOutput, initial: Parameters<Double>? = nil) throws -> Result {
        guard hidden > 0, seqLength > 0, logEvery > 0, iterations >= 0 else {
            throw RNNError(.invalid, "min-char-rnn", "hidden, seq-length and log-every must be positive, iterations non-negative")
        }
        let data = Array(text.unicodeScalars)                    // Python iterates code points
        let chars = Array(Set(data)).sorted { $0.value < $1.value }
        guard data.count > seqLength + 1 else {
            throw RNNError(.invalid, "text", "needs more than seq_length + 1 = \(seqLength + 1) characters, has \(data.count)")
        }
        let (dataSize, vocab) = (data.count, chars.count)
        output.log(String(format: "data has %d characters, %d unique.", dataSize, vocab))
        let index = Dictionary(uniqueKeysWithValues: chars.enumerated().map { ($1, $0) })
        let ids = data.map { index[$0]! }

        var rng = try numpyRandomState(seed: seed)
        let (h, v) = (hidden, vocab)
        func randn(_ r: Int, _ c: Int) -> Tensor<Double> { Tensor(uncheckedShape: [r, c], data: rng.randn(count: r * c).map { $0 * 0.01 }) }
        var p: Parameters<Double>
        if let initial {
            p = initial
            _ = try MinCharRNNSpec.validate(initial.dictionary)
        } else {
            let wxh = randn(h, v), whh = randn(h, h), why = randn(v, h)
            p = Parameters(names: MinCharRNNSpec.parameterNames,
                           tensors: [wxh, whh, why, Tensor(zeros: [h, 1]), Tensor(zeros: [v, 1])])
        }
        var opt = Optimizer<Double>(.minCharAdagrad(learningRate: learningRate))
        var smooth = -Foundation.log(1.0 / Double(v)) * Double(seqLength)
        var hprev = Tensor<Double>(zeros: [h, 1])
        var pos = 0
        var losses: [Double] = []
        for n in 0..<iterations {
            if pos + seqLength + 1 >= dataSize || n == 0 {
                hprev = Tensor(zeros: [h, 1])
                pos = 0
            }
            let inputs = Array(ids[pos ..< pos + seqLength]), targets = Array(ids[(pos + 1) ... (pos + seqLength)])
            if n % logEvery == 0 {
                let s = try impl.minCharRNNSample(p, h: hprev, seedIx: inputs[0], n: 200, rng: &rng)
                var txt = String.UnicodeScalarView()
                txt.append(contentsOf: s.map { chars[$0] })
                output.log("----\n \(String(txt)) \n----")
            }
            let r = impl.minCharRNNLoss(p, inputs: inputs, targets: targets, hprev: hprev, clipGradients: true)
            hprev = r.lastHidden
            smooth = smooth * 0.999 + r.loss * 0.001
            losses.append(smooth)
            if n % logEvery == 0 { output.log(String(format: "iter %d, loss: %f", n, smooth)) }
            try opt.apply(r.gradients.tensors, to: &p.tensors)
            pos += seqLength
            output.progress?(n + 1, iterations, smooth)
        }
        return Result(parameters: p, smoothLoss: losses)
    }
}
