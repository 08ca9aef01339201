import RNNCore

extension Implementation {
    /// A fully connected layer, `y = x·K + b` (see RNNScalar's `Dense`), as GEMMs.
    public enum Dense: DenseArithmetic {
        public static func forward<T: RNNFloat>(_ x: Tensor<T>, kernel: Tensor<T>, bias: Tensor<T>?) -> Tensor<T> {
            let (n, i, o) = (x.shape[0], kernel.shape[0], kernel.shape[1])
            var y = [T](repeating: 0, count: n * o)
            if let bias { for r in 0..<n { for j in 0..<o { y[r * o + j] = bias.data[j] } } }
            gemm(false, false, m: n, n: o, k: i, x.data, lda: i, kernel.data, ldb: o, beta: 1, &y, ldc: o)
            return Tensor(uncheckedShape: [n, o], data: y)
        }

        /// dx = dy·Kᵀ, dK = xᵀ·dy, db = Σ_rows dy.
        public static func backward<T: RNNFloat>(_ x: Tensor<T>, kernel: Tensor<T>, dy: Tensor<T>) -> (dx: Tensor<T>, dKernel: Tensor<T>, dBias: Tensor<T>) {
            let (n, i, o) = (x.shape[0], kernel.shape[0], kernel.shape[1])
            var dx = [T](repeating: 0, count: n * i), dk = [T](repeating: 0, count: i * o), db = [T](repeating: 0, count: o)
            gemm(false, true, m: n, n: i, k: o, dy.data, lda: o, kernel.data, ldb: o, beta: 0, &dx, ldc: i)
            gemm(true, false, m: i, n: o, k: n, x.data, lda: i, dy.data, ldb: o, beta: 0, &dk, ldc: o)
            addColumnSums(dy.data, rows: n, cols: o, into: &db)
            return (Tensor(uncheckedShape: [n, i], data: dx), Tensor(uncheckedShape: [i, o], data: dk), Tensor(uncheckedShape: [o], data: db))
        }
    }
}
