import Foundation
import RNNCore
import RNNCheck
import RNNFixtures
import RNNNumpy

// The hyperparameters are stored properties named as the document names them; the sine
// programs' lists look alike (same shape) but are their own.

/// The PTB language model of “TensorFlow RNN入门” (004) (`PTBModel`, `run_epoch`, `main`) on a
/// small word-level corpus: words split on whitespace with `<eos>` at each line end (the PTB
/// reader), an embedding [V, H], dropout on the embedded inputs, two `BasicLSTMCell(H)` layers
/// each in `DropoutWrapper(output_keep_prob)`, `logits = output·weight + bias`,
/// `sequence_loss_by_example`, `cost = Σ loss / batch_size`, `clip_by_global_norm(·, 5)` and SGD
/// (lr 1.0); the state carries over from one window to the next within an epoch. Training
/// prints the document's lines ("In iteration", "After N steps, perplexity is", "Epoch: N
/// Validation Perplexity", "Test Perplexity"); evaluation runs with batch 1 and step 1 as the
/// document does. Dropout masks come from numpy's seeded stream, so a run repeats exactly.
///
/// The corpus is split by paragraphs (blank lines): the last two are validation and test, the
/// rest is training; words unseen in training become `<unk>`. The document's sizes (hidden 200,
/// batch 20, 35 steps, 2 epochs) fit the million-word PTB; ours default to sizes that give a
/// few hundred updates on a small text.
public struct PTBProgram: Sendable {
    public var text: String
    public var hidden = 64
    public var layers = 2
    public var batch = 4
    public var numSteps = 10
    public var epochs = 10
    public var keepProb = 0.5
    public var learningRate = 1.0
    public var maxGradNorm = 5.0
    public var seed = 0

    public init(text: String) { self.text = text }

    public struct Result: Sendable {
        public var trainPerplexity: [Double]
        public var validPerplexity: [Double]
        public var testPerplexity: Double
        public var vocabulary: Int
        public var names: [String]
        public var weights: [Tensor<Float>]
    }

    static func words(_ s: String) -> [String] {
        s.replacingOccurrences(of: "\n", with: " <eos> ").split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
    }

    public func run(impl: any RNNImplementation.Type, output: ProgramOutput, initial: [Tensor<Float>]? = nil) throws -> Result {
        guard hidden > 0, layers > 0, batch > 0, numSteps > 0, epochs >= 0, keepProb > 0, keepProb <= 1 else {
            throw RNNError(.invalid, "ptb-lm", "sizes must be positive and keep-prob in (0, 1]")
        }
        let paragraphs = text.components(separatedBy: "\n\n").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        guard paragraphs.count >= 3 else { throw RNNError(.invalid, "text", "needs at least 3 paragraphs (train, validation, test), has \(paragraphs.count)") }
        let trainWords = Self.words(paragraphs.dropLast(2).joined(separator: "\n") + "\n")
        // PTB's vocabulary: by count (descending), then alphabetically
        var counts: [String: Int] = [:]
        for w in trainWords { counts[w, default: 0] += 1 }
        let vocab = ["<unk>"] + counts.keys.filter { $0 != "<unk>" }.sorted { (counts[$0]!, $1) > (counts[$1]!, $0) }
        let id = Dictionary(uniqueKeysWithValues: vocab.enumerated().map { ($1, $0) })
        let ids = { (ws: [String]) in ws.map { id[$0] ?? 0 } }
        let train = ids(trainWords)
        let valid = ids(Self.words(paragraphs[paragraphs.count - 2] + "\n")), test = ids(Self.words(paragraphs[paragraphs.count - 1] + "\n"))
        let v = vocab.count, h = hidden

        var rng = try numpyRandomState(seed: seed)
        var cfg = LSTMConfig(flavor: .tfBasicLSTMCell, units: h)
        cfg.forgetBias = 1
        let spec = CellSpec.lstm(cfg)
        var cells = (0..<layers).map { _ in Initializer.cell(spec, inputSize: h, &rng) as Parameters<Float> }
        var embedding: Tensor<Float> = Initializer.glorotUniform([v, h], &rng)
        var weight: Tensor<Float> = Initializer.glorotUniform([h, v], &rng)
        var bias = Tensor<Float>(zeros: [v])
        var names = ["embedding"] + (0..<layers).flatMap { k in cells[k].names.map { "layer\(k)/\($0)" } } + ["weight", "bias"]
        func flat() -> [Tensor<Float>] { [embedding] + cells.flatMap(\.tensors) + [weight, bias] }
        func assign(_ w: [Tensor<Float>]) {
            embedding = w[0]
            var i = 1
            for k in cells.indices { for j in cells[k].tensors.indices { cells[k].tensors[j] = w[i]; i += 1 } }
            weight = w[i]; bias = w[i + 1]
        }
        if let initial { assign(initial) }
        names = Array(names)

        func mask(_ shape: [Int]) -> Tensor<Float> {
            Tensor(uncheckedShape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.randomSample() < keepProb ? Float(1 / keepProb) : 0 })
        }
        /// One window: x, y [B, T] word ids, state carried in; returns cost, final state and
        /// (when training) the gradients of cost for every tensor of `flat()`.
        func window(_ x: [[Int]], _ y: [[Int]], state: [Tensor<Float>], training: Bool) throws -> (Float, [Tensor<Float>], [Tensor<Float>]?) {
            let (b, t) = (x.count, x[0].count)
            let flatIds = (0..<t).flatMap { s in (0..<b).map { x[$0][s] } }          // time-major rows
            var inputs = try Embedding.lookup(embedding, flatIds)
            let inMask = training && keepProb < 1 ? mask([t * b, h]) : nil
            if let m = inMask { for i in inputs.data.indices { inputs.data[i] *= m.data[i] } }
            let net = try DynamicRNN(cells: cells.map { p in
                let c = impl.makeCell(spec, inputSize: h, parameters: p)
                return training && keepProb < 1 ? OutputDropout(c, mask: mask([t, b, h])) : c
            }, timeMajor: true)
            let f = try net.forward(Tensor(uncheckedShape: [t, b, h], data: inputs.data), initialState: state)
            let out = Tensor<Float>(uncheckedShape: [t * b, h], data: f.outputs.data)
            let logits = impl.dense(out, kernel: weight, bias: bias)
            let targets = (0..<t).flatMap { s in (0..<b).map { y[$0][s] } }
            let seqLoss = try SequenceLossByExample(logits: [logits], targets: [targets], weights: [[Float](repeating: 1, count: t * b)],
                                                    upstream: [Float](repeating: 1 / Float(b), count: t * b))
            let cost = seqLoss.loss.reduce(0, +) / Float(b)
            guard training else { return (cost, f.finalState, nil) }
            let d = impl.denseBackward(out, kernel: weight, dy: seqLoss.dLogits[0])
            let g = try net.backward(f, dOutputs: Tensor(uncheckedShape: [t, b, h], data: d.dx.data),
                                     dFinalState: f.finalState.map { Tensor(zeros: $0.shape) })
            var dIn = Tensor<Float>(uncheckedShape: [t * b, h], data: g.dx.data)
            if let m = inMask { for i in dIn.data.indices { dIn.data[i] *= m.data[i] } }
            var dEmb = Tensor<Float>(zeros: embedding.shape)
            Embedding.accumulate(dIn, ids: flatIds, into: &dEmb)
            return (cost, f.finalState, [dEmb] + g.dParameters.flatMap(\.tensors) + [d.dKernel, d.dBias])
        }
        /// `run_epoch`: ptb_producer's [batch, batch_len] layout, windows of `steps`.
        func epoch(_ data: [Int], batch b: Int, steps: Int, training: Bool, log: Bool) throws -> Double {
            let batchLen = data.count / b, epochSize = (batchLen - 1) / steps
            guard epochSize > 0 else {
                throw RNNError(.invalid, "ptb-lm", "\(data.count) words are too few for batch \(b) and \(steps) steps")
            }
            var state = (0..<(2 * layers)).map { _ in Tensor<Float>(zeros: [b, h]) }
            var (costs, iters) = (0.0, 0)
            for s in 0..<epochSize {
                let x = (0..<b).map { r in Array(data[(r * batchLen + s * steps) ..< (r * batchLen + (s + 1) * steps)]) }
                let y = (0..<b).map { r in Array(data[(r * batchLen + s * steps + 1) ..< (r * batchLen + (s + 1) * steps + 1)]) }
                let (cost, st, grads) = try window(x, y, state: state, training: training)
                state = st
                if var g = grads {
                    clipByGlobalNorm(&g, clipNorm: Float(maxGradNorm))
                    var w = flat()
                    var sgd = Optimizer<Float>(.gradientDescent(learningRate: learningRate))
                    try sgd.apply(g, to: &w)
                    assign(w)
                }
                costs += Double(cost)
                iters += steps
                if log && s % 100 == 0 { output.log(String(format: "After %d steps, perplexity is %.3f", s, Foundation.exp(costs / Double(iters)))) }
                if training { output.progress?(s + 1, epochSize, Foundation.exp(costs / Double(iters))) }
            }
            return Foundation.exp(costs / Double(iters))
        }
        output.log("vocabulary \(v) words; train \(train.count), valid \(valid.count), test \(test.count) words")
        var trainPPL: [Double] = [], validPPL: [Double] = []
        for i in 0..<epochs {
            output.log("In iteration: \(i + 1)")
            trainPPL.append(try epoch(train, batch: batch, steps: numSteps, training: true, log: true))
            validPPL.append(try epoch(valid, batch: 1, steps: 1, training: false, log: false))
            output.log(String(format: "Epoch: %d Validation Perplexity: %.3f", i + 1, validPPL.last!))
        }
        let testPPL = try epoch(test, batch: 1, steps: 1, training: false, log: false)
        output.log(String(format: "Test Perplexity: %.3f", testPPL))
        return Result(trainPerplexity: trainPPL, validPerplexity: validPPL, testPerplexity: testPPL, vocabulary: v, names: names, weights: flat())
    }
}
