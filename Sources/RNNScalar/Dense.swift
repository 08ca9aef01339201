import RNNCore

extension Implementation {
    /// A fully connected layer, `keras.layers.Dense` without activation (and
    /// `tf.contrib.layers.fully_connected(·, n, None)`, the `tf.matmul(output, weight) + bias` of
    /// the PTB model): `y = x·K + b`, x [N, I], K [I, O], b [O], y [N, O].
    public enum Dense: DenseArithmetic {
        public static func forward<T: RNNFloat>(_ x: Tensor<T>, kernel: Tensor<T>, bias: Tensor<T>?) -> Tensor<T> {
            let (n, i, o) = (x.shape[0], kernel.shape[0], kernel.shape[1])
            var y = Tensor<T>(zeros: [n, o])
            for r in 0..<n {
                for j in 0..<o {
                    var s: T = bias?.data[j] ?? 0
                    for k in 0..<i { s += x.data[r * i + k] * kernel.data[k * o + j] }
                    y.data[r * o + j] = s
                }
            }
            return y
        }

        /// dx = dy·Kᵀ, dK = xᵀ·dy, db = Σ_rows dy.
        public static func backward<T: RNNFloat>(_ x: Tensor<T>, kernel: Tensor<T>, dy: Tensor<T>) -> (dx: Tensor<T>, dKernel: Tensor<T>, dBias: Tensor<T>) {
            let (n, i, o) = (x.shape[0], kernel.shape[0], kernel.shape[1])
            var dx = Tensor<T>(zeros: [n, i]), dk = Tensor<T>(zeros: [i, o]), db = Tensor<T>(zeros: [o])
            for r in 0..<n {
                for j in 0..<o {
                    let g = dy.data[r * o + j]
                    db.data[j] += g
                    for k in 0..<i {
                        dx.data[r * i + k] += g * kernel.data[k * o + j]
                        dk.data[k * o + j] += x.data[r * i + k] * g
                    }
                }
            }
            return (dx, dk, db)
        }
    }
}
