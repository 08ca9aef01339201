import RNNCore
import RNNNumpy
import RNNFixtures

extension BidirectionalProblem {
    public var differentiableNames: [String] {
        var names: [String] = []
        for c in cellsFw + cellsBw {
            for (v, _) in c.spec.parameterShapes(inputSize: c.inputSize) where !names.contains(c.weightNames[v]!) { names.append(c.weightNames[v]!) }
        }
        return names + [xName] + (stateFwNames ?? []) + (stateBwNames ?? [])
    }

    struct Evaluation<T: RNNFloat> {
        var forward: BidirectionalDynamicRNN<T>.Forward
        var gradients: BidirectionalDynamicRNN<T>.Gradients?
    }

    func evaluate<T: RNNFloat>(_ impl: any RNNImplementation.Type, _ t: [String: Tensor<T>], gradients: Bool) throws -> Evaluation<T> {
        func build(_ cs: [CellEntry], _ key: String) throws -> [any RecurrentCell<T>] {
            try cs.enumerated().map { k, c in
                var given: [String: Tensor<T>] = [:]
                for (v, n) in c.weightNames { given[v] = t[n]! }
                do { return try impl.buildCell(c.spec, inputSize: c.inputSize, given: given) } catch let e as RNNError { throw e.within("model.\(key)[\(k)]") }
            }
        }
        let net = try BidirectionalDynamicRNN(forward: try build(cellsFw, "cells_fw"), backward: try build(cellsBw, "cells_bw"), timeMajor: timeMajor)
        let fwd = try net.forward(t[xName]!, initialStateFw: stateFwNames?.map { t[$0]! }, initialStateBw: stateBwNames?.map { t[$0]! },
                                  sequenceLength: sequenceLength)
        var g: BidirectionalDynamicRNN<T>.Gradients?
        if gradients && (upstreamOutputs != nil || upstreamFinal != nil) {
            let dOut = upstreamOutputs?.map { $0.tensor(T.self) } ?? [Tensor(zeros: fwd.outputsFw.shape), Tensor(zeros: fwd.outputsBw.shape)]
            try dOut[0].expectShape(fwd.outputsFw.shape, "model.upstream.outputs[0]")
            try dOut[1].expectShape(fwd.outputsBw.shape, "model.upstream.outputs[1]")
            let nf = fwd.finalStateFw.count
            let fin = upstreamFinal?.map { $0.tensor(T.self) } ?? (fwd.finalStateFw + fwd.finalStateBw).map { Tensor(zeros: $0.shape) }
            guard fin.count == nf + fwd.finalStateBw.count else {
                throw RNNError(.shape, "model.upstream.final_state", "expected \(nf + fwd.finalStateBw.count) tensors, got \(fin.count)")
            }
            g = try net.backward(fwd, dOutputsFw: dOut[0], dOutputsBw: dOut[1], dFinalStateFw: Array(fin[..<nf]), dFinalStateBw: Array(fin[nf...]))
        }
        return Evaluation(forward: fwd, gradients: g)
    }

    func gradientsByName<T: RNNFloat>(_ g: BidirectionalDynamicRNN<T>.Gradients) -> [String: Tensor<T>] {
        var by: [String: Tensor<T>] = [:]
        for (cs, ps) in [(cellsFw, g.dParametersFw), (cellsBw, g.dParametersBw)] {
            for (k, c) in cs.enumerated() {
                for (i, v) in ps[k].names.enumerated() {
                    let n = c.weightNames[v]!
                    if by[n] == nil { by[n] = ps[k].tensors[i] } else { by[n]!.add(ps[k].tensors[i]) }
                }
            }
        }
        by[xName] = g.dx
        for (k, n) in (stateFwNames ?? []).enumerated() { by[n] = g.dInitialStateFw[k] }
        for (k, n) in (stateBwNames ?? []).enumerated() { by[n] = g.dInitialStateBw[k] }
        return by
    }

    func loss<T: RNNFloat>(_ f: BidirectionalDynamicRNN<T>.Forward) -> T {
        var l: T = 0
        if let u = upstreamOutputs { l += f.outputsFw.dot(u[0].tensor(T.self)) + f.outputsBw.dot(u[1].tensor(T.self)) }
        if let u = upstreamFinal { for (k, s) in (f.finalStateFw + f.finalStateBw).enumerated() { l += s.dot(u[k].tensor(T.self)) } }
        return l
    }

    public func results<T: RNNFloat>(_ impl: any RNNImplementation.Type, _: T.Type) throws -> ResultSet {
        let t = floatTensors(tensors, T.self)
        let e = try evaluate(impl, t, gradients: true)
        var r = ResultSet()
        r.addList("outputs", [TensorData(e.forward.outputsFw), TensorData(e.forward.outputsBw)])
        r.addList("final_state", (e.forward.finalStateFw + e.forward.finalStateBw).map { TensorData($0) })
        if let g = e.gradients {
            let by = gradientsByName(g)
            for n in differentiableNames where by[n] != nil { r.add(["gradients", n], TensorData(by[n]!)) }
        }
        return r
    }

    public func gradientCheck(_ impl: any RNNImplementation.Type, maxCoordinates: Int, useGSL: Bool) throws -> [GradCheckEntry] {
        let t = floatTensors(tensors, Double.self)
        guard let g = try evaluate(impl, t, gradients: true).gradients else { return [] }
        let analytic = gradientsByName(g)
        return try RNNCheck.gradientCheck(differentiableNames, of: t, analytic: analytic, maxCoordinates: maxCoordinates,
                                           useGSL: useGSL) { all in
            loss(try evaluate(impl, all, gradients: false).forward)
        }
    }
}
