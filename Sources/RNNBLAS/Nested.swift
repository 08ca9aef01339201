import RNNCore

extension Implementation {
    /// 003's `NestedCell`, flat (see RNNScalar's `Nested` for the equations): two GEMMs forward
    /// into one [B, U1 + U2·U3] buffer, two for dx and two for the kernels' gradients backward.
    public enum Nested: NestedArithmetic {
        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func forward<T: RNNFloat>(_ w: NestedWeights<T>, x: Tensor<T>, state: [Tensor<T>]) -> CellStep<T> {
            let (c, p) = (w.config, w.parameters)
            let (batch, n1, n23, i1, i23) = (x.shape[0], c.unit1, c.unit2 * c.unit3, c.input1, c.input2 * c.input3)
            let (ni, no) = (i1 + i23, n1 + n23)
            var out = [T](repeating: 0, count: batch * no)
            // o1 = x1·kernel_1, o23 = flatten(x2)·K23, each into its columns of out
            gemm(false, false, m: batch, n: n1, k: i1, x.data, 0, lda: ni, p.tensors[w.layout.k1.index].data, 0, ldb: n1,
                 beta: 0, &out, 0, ldc: no)
            gemm(false, false, m: batch, n: n23, k: i23, x.data, i1, lda: ni, p.tensors[w.layout.k23.index].data, 0, ldb: n23,
                 beta: 0, &out, n1, ldc: no)
            var s1 = state[0].data, s2 = state[1].data
            for b in 0..<batch {
                for j in 0..<n1 { s1[b * n1 + j] += out[b * no + j] }
                for kl in 0..<n23 { s2[b * n23 + kl] += out[b * no + n1 + kl] }
            }
            return CellStep(output: Tensor(uncheckedShape: [batch, no], data: out),
                            state: [Tensor(uncheckedShape: [batch, n1], data: s1), Tensor(uncheckedShape: [batch, n23], data: s2)], cache: .nested)
        }

        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func backward<T: RNNFloat>(_ w: NestedWeights<T>, step: CellStep<T>, x: Tensor<T>, state: [Tensor<T>],
                                                 dOutput: Tensor<T>, dState: [Tensor<T>], grads: inout Parameters<T>) -> CellStepGradients<T> {
            let (c, p) = (w.config, w.parameters)
            let (batch, n1, n23, i1, i23) = (x.shape[0], c.unit1, c.unit2 * c.unit3, c.input1, c.input2 * c.input3)
            let (ni, no) = (i1 + i23, n1 + n23)
            var d = dOutput.data
            for b in 0..<batch {
                for j in 0..<n1 { d[b * no + j] += dState[0].data[b * n1 + j] }
                for kl in 0..<n23 { d[b * no + n1 + kl] += dState[1].data[b * n23 + kl] }
            }
            let (k1, k23) = (w.layout.k1.index, w.layout.k23.index)
            var dx = [T](repeating: 0, count: batch * ni)
            gemm(false, true, m: batch, n: i1, k: n1, d, 0, lda: no, p.tensors[k1].data, 0, ldb: n1, beta: 0, &dx, 0, ldc: ni)       // dx1 = do1·kernel_1ᵀ
            gemm(false, true, m: batch, n: i23, k: n23, d, n1, lda: no, p.tensors[k23].data, 0, ldb: n23, beta: 0, &dx, i1, ldc: ni) // dx2 = do23·K23ᵀ
            gemm(true, false, m: i1, n: n1, k: batch, x.data, 0, lda: ni, d, 0, ldb: no, beta: 1, &grads.tensors[k1].data, 0, ldc: n1)
            gemm(true, false, m: i23, n: n23, k: batch, x.data, i1, lda: ni, d, n1, ldb: no, beta: 1, &grads.tensors[k23].data, 0, ldc: n23)
            return CellStepGradients(dx: Tensor(uncheckedShape: [batch, ni], data: dx), dState: dState)
        }
    }
}
