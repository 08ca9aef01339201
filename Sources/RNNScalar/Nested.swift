import RNNCore

extension Implementation {
    /// 003's `NestedCell` (quoted in `NestedConfig`), flat: x = [x1, flatten(x2)],
    /// state = [s1, flatten(s2)],
    ///
    ///     o1  = x1·kernel_1                          [B, U1]
    ///     o23 = einsum('bij,ijkl->bkl', x2, kernel_2_3) = flatten(x2)·K23     [B, U2·U3]
    ///     s1' = s1 + o1;  s2' = s2 + o23;  output = [o1, o23]
    ///
    /// with K23 the [I2·I3, U2·U3] matrix `kernel_2_3`'s row-major storage is.
    public enum Nested: NestedArithmetic {
        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func forward<T: RNNFloat>(_ w: NestedWeights<T>, x: Tensor<T>, state: [Tensor<T>]) -> CellStep<T> {
            let (c, p) = (w.config, w.parameters)
            let (batch, n1, n23, i1, i23) = (x.shape[0], c.unit1, c.unit2 * c.unit3, c.input1, c.input2 * c.input3)
            let (k1, k23) = (p.tensors[w.layout.k1.index].data, p.tensors[w.layout.k23.index].data)
            var out = Tensor<T>(zeros: [batch, n1 + n23])
            var s1 = state[0], s2 = state[1]
            for b in 0..<batch {
                for j in 0..<n1 {
                    // o1[b, j] = Σ_i x1[b, i]·kernel_1[i, j]
                    var s: T = 0
                    for i in 0..<i1 { s += x[b, i] * k1[i * n1 + j] }
                    out[b, j] = s
                    s1[b, j] += s
                }
                // o23[b, k, l] = Σ_{i, j} x2[b, i, j]·kernel_2_3[i, j, k, l], each sum in the order
                // of (i, j), accumulated row by row of kernel_2_3 (its rows are contiguous)
                var o23 = [T](repeating: 0, count: n23)
                for ij in 0..<i23 {
                    let xv = x.data[b * (i1 + i23) + i1 + ij]
                    for kl in 0..<n23 { o23[kl] += xv * k23[ij * n23 + kl] }
                }
                for kl in 0..<n23 {
                    out[b, n1 + kl] = o23[kl]
                    s2[b, kl] += o23[kl]
                }
            }
            return CellStep(output: out, state: [s1, s2], cache: .nested)
        }

        /// With do = dOutput + dState' (each output is added into its state): dkernel_1 += x1ᵀ·do1,
        /// dK23 += flatten(x2)ᵀ·do23, dx1 = do1·kernel_1ᵀ, dx2 = do23·K23ᵀ, and ds = ds' (a running sum).
        @_specialize(where T == Float)
        @_specialize(where T == Double)
        public static func backward<T: RNNFloat>(_ w: NestedWeights<T>, step: CellStep<T>, x: Tensor<T>, state: [Tensor<T>],
                                                 dOutput: Tensor<T>, dState: [Tensor<T>], grads: inout Parameters<T>) -> CellStepGradients<T> {
            let (c, p) = (w.config, w.parameters)
            let (batch, n1, n23, i1, i23) = (x.shape[0], c.unit1, c.unit2 * c.unit3, c.input1, c.input2 * c.input3)
            let (k1, k23) = (p.tensors[w.layout.k1.index].data, p.tensors[w.layout.k23.index].data)
            var d = dOutput
            for b in 0..<batch {
                for j in 0..<n1 { d[b, j] += dState[0][b, j] }
                for kl in 0..<n23 { d[b, n1 + kl] += dState[1][b, kl] }
            }
            var dx = Tensor<T>(zeros: [batch, i1 + i23])
            for b in 0..<batch {
                for i in 0..<i1 {
                    var s: T = 0
                    for j in 0..<n1 { s += d[b, j] * k1[i * n1 + j] }
                    dx[b, i] = s
                }
                for ij in 0..<i23 {
                    var s: T = 0
                    for kl in 0..<n23 { s += d.data[b * (n1 + n23) + n1 + kl] * k23[ij * n23 + kl] }
                    dx[b, i1 + ij] = s
                }
            }
            for i in 0..<i1 {
                for j in 0..<n1 {
                    var s: T = 0
                    for b in 0..<batch { s += x[b, i] * d[b, j] }
                    grads.tensors[w.layout.k1.index].data[i * n1 + j] += s
                }
            }
            // dK23[ij, kl] += Σ_b x2[b, ij]·do23[b, kl] (each sum in the order of b)
            var dk23 = [T](repeating: 0, count: i23 * n23)
            for b in 0..<batch {
                for ij in 0..<i23 {
                    let xv = x.data[b * (i1 + i23) + i1 + ij]
                    for kl in 0..<n23 { dk23[ij * n23 + kl] += xv * d.data[b * (n1 + n23) + n1 + kl] }
                }
            }
            for k in dk23.indices { grads.tensors[w.layout.k23.index].data[k] += dk23[k] }
            return CellStepGradients(dx: dx, dState: dState)
        }
    }
}
