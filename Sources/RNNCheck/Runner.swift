import RNNCore
import RNNLayers
import RNNFixtures
import RNNNumpy

/// The result of running a sequence problem once in precision `T`.
struct SequenceEvaluation<T: RNNFloat> {
    /// What the framework returns as `outputs` (Keras without return_sequences: the last step).
    var outputs: Tensor<T>
    /// The final state as the framework returns it (PyTorch: `(h_n, c_n)` stacked by layer).
    var finalState: [Tensor<T>]
    /// The run itself, layer by layer (numpy's `before_activation` is read from its steps);
    /// nil for PyTorch modules, which are not a `DynamicRNN`.
    var run: DynamicRNN<T>.Forward?
    var gradients: CellGradients<T>?
}

/// Gradients of a model of cells: its input, its initial state (in the framework's layout),
/// and each cell's parameters.
struct CellGradients<T: RNNFloat> {
    var dx: Tensor<T>
    var dInitialState: [Tensor<T>]
    var dParameters: [Parameters<T>]
}

extension SequenceProblem {
    /// The differentiable inputs, by tensor name, in a fixed order: weights layer by layer in
    /// the cell's variable order, then x, then the initial state.
    public var differentiableNames: [String] {
        var names: [String] = []
        for c in cells {
            for (v, _) in c.spec.parameterShapes(inputSize: c.inputSize) where !names.contains(c.weightNames[v]!) {
                names.append(c.weightNames[v]!)
            }
        }
        names.append(xName)
        names += initialStateNames ?? []
        return names
    }

    func evaluate<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>], gradients: Bool) throws -> SequenceEvaluation<T> {
        var built: [any RecurrentCell<T>] = []
        for (k, c) in cells.enumerated() {
            do {
                let cell = try c.build(impl, t)
                if let d = c.dropout {
                    built.append(OutputDropout(cell, mask: try dropoutMask(keepProb: d.keepProb, seed: d.seed, x: t[xName]!, width: c.spec.outputSize)))
                } else {
                    built.append(cell)
                }
            } catch let e as RNNError {
                throw e.within(cells.count > 1 || family == .tf ? "model.cells[\(k)]" : "model")
            }
        }
        let x = t[xName]!
        let s0 = initialStateNames?.map { t[$0]! }
        let wantGradients = gradients && hasUpstream
        let uOut = upstreamOutputs?.tensor(T.self), uFin = upstreamFinal?.map { $0.tensor(T.self) }
        do {
            switch family {
            case .keras:
                let layer = KerasRNN(cell: built[0], returnSequences: returnSequences, returnState: returnState,
                                     goBackwards: goBackwards, zeroOutputForMask: zeroOutputForMask)
                let (batch, steps) = (self.x.shape[0], self.x.shape[1])
                let mask = kerasMask.map { m in (0..<batch).map { b in Array(m[(b * steps)..<((b + 1) * steps)]) } }
                let f = try layer.forward(x, initialState: s0, mask: mask)
                let g = wantGradients ? try layer.backward(f, dOutputs: uOut, dFinalState: uFin) : nil
                return SequenceEvaluation(outputs: f.outputs, finalState: f.finalState, run: f.run,
                                          gradients: g.map { CellGradients(dx: $0.dx, dInitialState: $0.dInitialState, dParameters: [$0.dWeights]) })
            case .torch:
                let module = try TorchRNN(layers: built, bidirectional: bidirectional, batchFirst: !timeMajor)
                let f = try module.forward(x, initialState: s0, lengths: sequenceLength)
                let g = wantGradients ? try module.backward(f, dOutput: uOut, dFinalState: uFin) : nil
                return SequenceEvaluation(outputs: f.output, finalState: f.finalState, run: nil,
                                          gradients: g.map { CellGradients(dx: $0.dx, dInitialState: $0.dInitialState, dParameters: $0.dParameters) })
            case .tf, .numpy:
                let net = try DynamicRNN(cells: built, timeMajor: timeMajor)
                let f = try net.forward(x, initialState: s0, sequenceLength: sequenceLength)
                guard wantGradients else { return SequenceEvaluation(outputs: f.outputs, finalState: f.finalState, run: f, gradients: nil) }
                let dOut = uOut ?? Tensor(zeros: f.outputs.shape)
                try dOut.expectShape(f.outputs.shape, "upstream.outputs")
                let g = try net.backward(f, dOutputs: dOut, dFinalState: try finalStateCotangents(uFin, for: f.finalState))
                return SequenceEvaluation(outputs: f.outputs, finalState: f.finalState, run: f,
                                          gradients: CellGradients(dx: g.dx, dInitialState: g.dInitialState, dParameters: g.dParameters))
            }
        } catch let e as RNNError {
            throw RNNError(e.kind, e.location == "x" ? "tensors.\(xName)" : "model.\(e.location)", e.reason)
        }
    }

    /// DropoutWrapper's mask [T, B, O]: `(np.random.RandomState(seed).rand(T, B, O) < keep_prob) / keep_prob`.
    func dropoutMask<T: RNNFloat>(keepProb: Double, seed: Int, x: Tensor<T>, width: Int) throws -> Tensor<T> {
        let (tCount, batch) = timeMajor ? (x.shape[0], x.shape[1]) : (x.shape[1], x.shape[0])
        var rng = try numpyRandomState(seed: seed)
        let data = (0..<(tCount * batch * width)).map { _ in rng.randomSample() < keepProb ? T(1 / keepProb) : 0 }
        return Tensor(uncheckedShape: [tCount, batch, width], data: data)
    }

    /// `L = Σ outputs ⊙ upstream.outputs + Σ_k final_state[k] ⊙ upstream.final_state[k]`.
    func loss<T: RNNFloat>(_ e: SequenceEvaluation<T>) -> T {
        var l: T = 0
        if let u = upstreamOutputs { l += e.outputs.dot(u.tensor(T.self)) }
        if let u = upstreamFinal {
            for k in u.indices { l += e.finalState[k].dot(u[k].tensor(T.self)) }
        }
        return l
    }

    /// Every gradient by tensor name: weights (summed where cells share a tensor), x and the
    /// initial state.
    func gradientsByName<T: RNNFloat>(_ g: CellGradients<T>) -> [String: Tensor<T>] {
        var by: [String: Tensor<T>] = [:]
        for (k, c) in cells.enumerated() {
            for (i, v) in g.dParameters[k].names.enumerated() {
                let name = c.weightNames[v]!
                if by[name] == nil { by[name] = g.dParameters[k].tensors[i] } else { by[name]!.add(g.dParameters[k].tensors[i]) }
            }
        }
        by[xName] = g.dx
        for (k, n) in (initialStateNames ?? []).enumerated() { by[n] = g.dInitialState[k] }
        return by
    }

    public func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        let t = floatTensors(tensors, T.self)
        let e = try evaluate(impl, t, gradients: true)
        var r = ResultSet()
        r.add(["outputs"], TensorData(e.outputs))
        if returnState { r.addList("final_state", e.finalState.map { TensorData($0) }) }
        if family == .numpy, let run = e.run {
            let steps = run.layers[0].steps
            let inner = steps.first?.state[0].shape ?? [0]
            let before = Tensor.stack(steps.map { $0.cache.beforeActivation }, inner: inner)
            let states = Tensor.stack(steps.map { $0.state[0] }, inner: inner)
            r.add(["before_activation"], TensorData(before))
            r.add(["states"], TensorData(states))
            // The document prints 8 significant digits: agree to half a unit in the last place.
            let printed = Tolerance(atol: 5e-9, rtol: 0)
            r.add(["document_printed", "before_activation"], TensorData(before), tolerance: printed)
            r.add(["document_printed", "state"], TensorData(states), tolerance: printed)
            r.add(["document_printed", "output"], TensorData(e.outputs), tolerance: printed)
        }
        if let g = e.gradients {
            let byName = gradientsByName(g)
            for n in differentiableNames where byName[n] != nil { r.add(["gradients", n], TensorData(byName[n]!)) }
        }
        return r
    }

    /// Each coordinate costs two forward passes: for models with very many parameters (001's
    /// [100, 400, 300] stack has 1.7M) a couple of coordinates per tensor are checked.
    public func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] {
        try gradientCheck(impl, maxCoordinates: coordinateBudget(tensors, maxCoordinates), useGSL: useGSL, relativeStep: 1e-5)
    }

    /// `gslRelativeStep`: the initial step GSL's adaptive `gsl_deriv_central` starts from.
    public func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool,
                       relativeStep: Double, gslRelativeStep: Double = 1e-3) throws -> [GradCheckEntry] {
        guard hasUpstream else { return [] }
        let t = floatTensors(tensors, Double.self)
        let e = try evaluate(impl, t, gradients: true)
        guard let g = e.gradients else { return [] }
        return try RNNCheck.gradientCheck(differentiableNames, of: t, analytic: gradientsByName(g), maxCoordinates: maxCoordinates,
                                          useGSL: useGSL, relativeStep: relativeStep, gslRelativeStep: gslRelativeStep) { all in
            loss(try evaluate(impl, all, gradients: false))
        }
    }
}

extension MinCharProblem {
    public func parameters<T: RNNFloat>(_: T.Type, override: [String: Tensor<T>] = [:]) throws -> Parameters<T> {
        var given: [String: Tensor<T>] = [:]
        for n in MinCharRNNSpec.parameterNames { given[n] = override[weightNames[n]!] ?? weights[n]!.tensor(T.self) }
        let (p, h, v) = try MinCharRNNSpec.validate(given)
        try MinCharRNNSpec.validate(inputs: inputs, targets: targets, hprev: override[hprevName] ?? hprev.tensor(T.self), hidden: h, vocab: v)
        return p
    }

    public func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        let p = try parameters(T.self)
        let h = hprev.tensor(T.self)
        let out = impl.minCharRNNLoss(p, inputs: inputs, targets: targets, hprev: h, clipGradients: clip)
        var r = ResultSet()
        r.add(["loss"], TensorData(scalar: Double(out.loss)))
        for (i, n) in out.gradients.names.enumerated() { r.add(["gradients", weightNames[n]!], TensorData(out.gradients.tensors[i])) }
        r.add(["last_hidden"], TensorData(out.lastHidden))
        let raw = clip ? impl.minCharRNNLoss(p, inputs: inputs, targets: targets, hprev: h, clipGradients: false) : out
        let clipped = raw.gradients.tensors.reduce(0) { $0 + $1.data.filter { abs($0) > 5 }.count }
        r.add(["clipped_entries"], TensorData(scalar: Double(clipped)))
        if let s = sample {
            var rng = try numpyRandomState(seed: s.seed)
            for _ in 0..<s.skipRandn { _ = rng.randn() }
            guard s.seedIx >= 0, s.seedIx < p.tensors[0].shape[1] else {
                throw RNNError(.invalid, "model.sample.seed_ix", "id \(s.seedIx) is outside the vocabulary")
            }
            guard s.n >= 0 else { throw RNNError(.invalid, "model.sample.n", "must be non-negative") }
            let ix = try impl.minCharRNNSample(p, h: h, seedIx: s.seedIx, n: s.n, rng: &rng)
            r.add(["sample_ix"], TensorData(ints: ix))
        }
        return r
    }

    /// Checks the unclipped gradients and dL/dhprev (clipping is not a derivative).
    public func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] {
        let p = try parameters(Double.self)
        let out = impl.minCharRNNLoss(p, inputs: inputs, targets: targets, hprev: hprev.tensor(Double.self), clipGradients: false)
        var analytic: [String: Tensor<Double>] = [hprevName: out.dhprev]
        var vars: [(name: String, value: Tensor<Double>)] = []
        for (i, n) in out.gradients.names.enumerated() {
            analytic[weightNames[n]!] = out.gradients.tensors[i]
            vars.append((weightNames[n]!, p.tensors[i]))
        }
        vars.append((hprevName, hprev.tensor(Double.self)))
        // Smooth everywhere (tanh, softmax), but the loss is large: a larger step, fourth order.
        return try RNNCheck.gradientCheck(variables: vars, analytic: analytic, maxCoordinates: maxCoordinates, useGSL: useGSL,
                                           relativeStep: 3e-4, fourthOrder: true) { t in
            let pp = try parameters(Double.self, override: t)
            return impl.minCharRNNLoss(pp, inputs: inputs, targets: targets, hprev: t[hprevName]!, clipGradients: false).loss
        }
    }
}

extension NumpyRandomProblem {
    /// The draws, the same in either precision (numpy's streams are float64).
    public func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        var rng = try numpyRandomState(seed: seed)
        var draws: [TensorData] = []
        for (k, c) in calls.enumerated() {
            let d: [Double]
            switch c {
            case .randint32(let size): d = (0..<size).map { _ in Double(rng.source.nextUInt32()) }
            case .randomSample(let size): d = (0..<size).map { _ in rng.randomSample() }
            case .randn(let size): d = (0..<size).map { _ in rng.randn() }
            case .uniform(let lo, let hi, let size): d = (0..<size).map { _ in rng.uniform(lo, hi) }
            case .choice(let n, let p, let size):
                do { d = try (0..<size).map { _ in Double(try rng.choice(n, p: p)) } } catch let e as RNNError {
                    throw e.within("model.calls[\(k)]")
                }
            }
            draws.append(TensorData(shape: [d.count], values: d))
        }
        var r = ResultSet()
        r.addList("draws", draws)
        return r
    }
}

/// Comparison of one result tensor with the fixture's expected value.
public struct TensorComparison: Sendable {
    public var key: String
    public var maxAbsError: Double
    public var relError: Double
    public var passed: Bool
    public var note: String?
}

public struct CheckReport: Sendable {
    public var fixture: String
    public var implementation: String
    public var comparisons: [TensorComparison]
    public var passed: Bool { !comparisons.isEmpty && comparisons.allSatisfy(\.passed) }
    public var maxAbsError: Double { comparisons.map(\.maxAbsError).max() ?? 0 }
    public var maxRelError: Double { comparisons.map(\.relError).max() ?? 0 }
}

/// Runs fixtures through an implementation and compares with what they expect.
public enum FixtureRunner {
    /// The model kinds `run`/`check` understand.
    public static var kinds: [String] { FixtureModels.registry.map(\.kind.rawValue) }

    /// Computes every result the fixture's model defines, in the fixture's dtype.
    public static func run(_ f: Fixture, impl: any RNNImplementation.Type) throws -> ResultSet {
        try located(f) { try run(try FixtureModels.decode(f), dtype: f.dtype, impl: impl) }
    }

    /// Computes every result of a decoded (or built) model in `dtype`: the one place that
    /// dispatches on the precision.
    public static func run(_ m: any FixtureModel, dtype: DType, impl: any RNNImplementation.Type) throws -> ResultSet {
        switch dtype {
        case .float64: return try m.results(impl, Double.self)
        case .float32: return try m.results(impl, Float.self)
        }
    }

    /// Decodes a fixture's model once, to run it many times (`run(_:dtype:impl:)`).
    public static func model(_ f: Fixture) throws -> any FixtureModel {
        try located(f) { try FixtureModels.decode(f) }
    }

    /// Compares `computed` with the fixture's `expected`, entry by entry.
    public static func compare(_ f: Fixture, computed: ResultSet, implementation: String) throws -> CheckReport {
        guard let expected = try f.expected() else {
            throw RNNError(.missing, "\(f.source): expected", "the fixture has no expected results to check against")
        }
        var out: [TensorComparison] = []
        for e in expected.entries {
            guard let c = computed.entry(e.key) else {
                out.append(TensorComparison(key: e.key, maxAbsError: .infinity, relError: .infinity, passed: false,
                                            note: "not computed for this model"))
                continue
            }
            guard c.value.shape == e.value.shape else {
                out.append(TensorComparison(key: e.key, maxAbsError: .infinity, relError: .infinity, passed: false,
                                            note: "shape \(c.value.shape), expected \(e.value.shape)"))
                continue
            }
            let tol = (e.value.isInteger || c.value.isInteger) ? Tolerance(atol: 0, rtol: 0) : (c.tolerance ?? f.tolerance)
            let bad = firstNotClose(c.value.values, e.value.values, tol)
            var note: String?
            if let bad {
                note = "at \(multiIndex(bad, shape: e.value.shape)): got \(c.value.values[bad]), expected \(e.value.values[bad])"
            }
            out.append(TensorComparison(key: e.key, maxAbsError: maxAbsError(c.value.values, e.value.values),
                                        relError: relativeError(c.value.values, e.value.values), passed: bad == nil, note: note))
        }
        return CheckReport(fixture: f.name, implementation: implementation, comparisons: out)
    }

    /// The tensors a fixture's model is differentiable in (weights, inputs, initial states).
    public static func differentiableNames(_ f: Fixture) throws -> [String] {
        try FixtureModels.decode(f).differentiableNames
    }

    /// Gradient check of the fixture's model in Float64 with its own upstream cotangents, at
    /// most `maxCoordinates` coordinates per tensor. Empty for kinds without gradients.
    public static func gradientCheck(_ f: Fixture, impl: any RNNImplementation.Type, maxCoordinates: Int = 40,
                                     useGSL: Bool = false) throws -> [GradCheckEntry] {
        try located(f) { try FixtureModels.decode(f).gradientCheck(impl, maxCoordinates: maxCoordinates, useGSL: useGSL) }
    }

    /// Errors name the fixture file.
    static func located<R>(_ f: Fixture, _ body: () throws -> R) throws -> R {
        do { return try body() } catch let e as RNNError {
            throw e.location.hasPrefix(f.source) ? e : e.within(f.source)
        }
    }
}
