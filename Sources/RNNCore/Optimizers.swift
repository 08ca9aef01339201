/// The parameter updates of the documents' programs, each exactly as its framework computes it
/// (operation for operation, so float64 runs agree to the last bits):
///
/// | rule | source | update of parameter p with gradient g |
/// | --- | --- | --- |
/// | `gradientDescent` | `tf.train.GradientDescentOptimizer`, `keras.optimizers.SGD` (momentum 0) | `p −= g·lr` |
/// | `minCharAdagrad` | min-char-rnn, “基本概念” (002) | `mem += g·g; p += −lr·g/√(mem + 1e-8)` |
/// | `tfAdagrad` | `tf.train.AdagradOptimizer` (`ApplyAdagrad`), accumulator starts at 0.1 | `acc += g²; p −= g·lr·(1/√acc)` |
/// | `tfAdam` | `tf.train.AdamOptimizer` (`ApplyAdam`) | see below, β^t as a running product |
/// | `kerasAdam` | `keras.optimizers.Adam.update_step` (Keras 3) | see below, β^t as `pow(β, t)` |
///
/// Both Adams compute `α = lr·√(1 − β₂^t)/(1 − β₁^t)`, `m += (g − m)(1 − β₁)`,
/// `v += (g² − v)(1 − β₂)`, `p −= (m·α)/(√v + ε)`: ε is added to √v of the *uncorrected* v.
/// That is the "ε̂" of Kingma & Ba (2015, end of §2), not Algorithm 1's `m̂/(√v̂ + ε)`, which
/// equals ε̂ = ε·√(1 − β₂^t): with a large ε the two differ visibly (`OptimizerTests`). The two
/// frameworks differ in their defaults (TF ε = 1e-8, Keras ε = 1e-7) and in how they form β^t.
///
/// Hyperparameter precision, which shows in float64 from the 8th digit: TF v1 turns every
/// hyperparameter into a float32 tensor and casts it to the variable's dtype, and keeps
/// `beta1_power`/`beta2_power` as float32 variables; Keras 3 keeps `learning_rate` as a float32
/// variable and forms β^t from float32 casts of β, but uses β₁, β₂ and ε as Python floats in the
/// m, v and parameter updates. We round exactly those to Float (`f32`).
/// numpy (min-char-rnn) uses float64 throughout.
public enum UpdateRule: Sendable, Equatable {
    case gradientDescent(learningRate: Double)
    case minCharAdagrad(learningRate: Double)
    case tfAdagrad(learningRate: Double, initialAccumulator: Double = 0.1)
    case tfAdam(learningRate: Double = 0.001, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8)
    case kerasAdam(learningRate: Double = 0.001, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-7)
}

/// An optimizer's state for a list of parameter tensors (the slots: Adagrad's accumulator,
/// Adam's m and v, and the step count).
public struct Optimizer<T: RNNFloat>: Sendable {
    public let rule: UpdateRule
    public private(set) var iterations = 0
    var slotA: [[T]] = []
    var slotB: [[T]] = []
    var beta1Power: Float = 1
    var beta2Power: Float = 1

    public init(_ rule: UpdateRule) { self.rule = rule }

    /// Applies one update to every tensor of `params` with the matching gradient.
    public mutating func apply(_ grads: [Tensor<T>], to params: inout [Tensor<T>]) throws {
        guard grads.count == params.count else {
            throw RNNError(.shape, "gradients", "expected \(params.count) gradient tensors, got \(grads.count)")
        }
        for (k, (g, p)) in zip(grads, params).enumerated() where g.shape != p.shape {
            throw RNNError(.shape, "gradients[\(k)]", "expected shape \(p.shape) (the parameter's), got \(g.shape)")
        }
        if slotA.isEmpty {
            let start: T
            if case .tfAdagrad(_, let a) = rule { start = T(a) } else { start = 0 }
            slotA = params.map { [T](repeating: start, count: $0.count) }
            slotB = params.map { [T](repeating: 0, count: $0.count) }
        }
        iterations += 1
        /// a hyperparameter the framework holds in float32, cast to the variables' dtype
        func f32(_ v: Double) -> T { T(Float(v)) }
        switch rule {
        case .gradientDescent(let lr):
            let lr = f32(lr)
            for k in params.indices { for i in 0..<params[k].count { params[k].data[i] -= grads[k].data[i] * lr } }
        case .minCharAdagrad(let lr):
            let lr = T(lr)
            for k in params.indices {
                for i in 0..<params[k].count {
                    let d = grads[k].data[i]
                    slotA[k][i] += d * d
                    params[k].data[i] += -lr * d / (slotA[k][i] + T(1e-8)).squareRoot()
                }
            }
        case .tfAdagrad(let lr, _):
            let lr = f32(lr)
            for k in params.indices {
                for i in 0..<params[k].count {
                    let g = grads[k].data[i]
                    slotA[k][i] += g * g
                    params[k].data[i] -= g * lr * (1 / slotA[k][i].squareRoot())
                }
            }
        case .tfAdam(let lr, let b1, let b2, let eps):
            // beta1_power / beta2_power are variables that start at β and are multiplied by β
            // after each update (`_finish`); ApplyAdam reads them before the multiplication
            // (float32 variables, multiplied in float32)
            beta1Power = iterations == 1 ? Float(b1) : beta1Power * Float(b1)
            beta2Power = iterations == 1 ? Float(b2) : beta2Power * Float(b2)
            adam(grads, &params, lr: f32(lr), b1: f32(b1), b2: f32(b2), eps: f32(eps), b1Power: T(beta1Power), b2Power: T(beta2Power))
        case .kerasAdam(let lr, let b1, let b2, let eps):
            let t = T(iterations)
            // (`ops.cast(self.beta_1, dtype)` makes a float32 tensor of the Python float first)
            adam(grads, &params, lr: f32(lr), b1: T(b1), b2: T(b2), eps: T(eps), b1Power: T.pow(f32(b1), t), b2Power: T.pow(f32(b2), t))
        }
    }

    private mutating func adam(_ grads: [Tensor<T>], _ params: inout [Tensor<T>], lr: T, b1: T, b2: T, eps: T, b1Power: T, b2Power: T) {
        let alpha = lr * (1 - b2Power).squareRoot() / (1 - b1Power)
        for k in params.indices {
            for i in 0..<params[k].count {
                let g = grads[k].data[i]
                slotA[k][i] += (g - slotA[k][i]) * (1 - b1)
                slotB[k][i] += (g * g - slotB[k][i]) * (1 - b2)
                params[k].data[i] -= (slotA[k][i] * alpha) / (slotB[k][i].squareRoot() + eps)
            }
        }
    }
}

/// `np.clip(x, lo, hi, out=x)` on every tensor (min-char-rnn clips each gradient to ±5).
public func clipByValue<T: RNNFloat>(_ tensors: inout [Tensor<T>], _ lo: T, _ hi: T) {
    for k in tensors.indices { for i in 0..<tensors[k].count { tensors[k].data[i] = clip(tensors[k].data[i], lo, hi) } }
}

/// `tf.clip_by_global_norm(t_list, clip_norm)`: returns the global norm and scales every tensor
/// by `clip_norm·min(1/norm, 1/clip_norm)` in place, as TF does:
/// `norm = √(2·Σ_t l2_loss(t))` with `l2_loss(t) = Σ t²·0.5`; a NaN or Inf norm makes every
/// value NaN, as TF's `scale + (norm − norm)` does.
@discardableResult
public func clipByGlobalNorm<T: RNNFloat>(_ tensors: inout [Tensor<T>], clipNorm: T) -> T {
    var halfSquared: T = 0
    for t in tensors {
        var s: T = 0
        for v in t.data { s += v * v * T(0.5) }
        halfSquared += s
    }
    let norm = (halfSquared * 2).squareRoot()
    let scale = clipNorm * Swift.min(1 / norm, 1 / clipNorm) + (norm - norm)
    for k in tensors.indices { for i in 0..<tensors[k].count { tensors[k].data[i] *= scale } }
    return norm
}
