#ifndef RNNREF_PACKEDGEMM_H
#define RNNREF_PACKEDGEMM_H
// C += A·B with B packed once (the recurrent weights of a step loop: the same B every step, so
// packing it per call, as a BLAS must, is wasted work). See packedgemm.c.
//
// Packed layout: B [k, n] as ceil(n / NR) panels of NR columns (zero past n); panel p holds,
// for each row kk of B, its NR columns p·NR ..< p·NR + NR side by side: element (kk, j) at
// (j / NR)·k·NR + kk·NR + j % NR. NR is 64 for float and 32 for double (256 bytes, four cache lines).

/// NR, the columns of a panel.
long rnnref_packed_nr_f32(void);
long rnnref_packed_nr_f64(void);

/// Elements a packed [k, n] B needs: ceil(n / NR)·k·NR.
long rnnref_packed_size_f32(long k, long n);
long rnnref_packed_size_f64(long k, long n);

/// Packs the block b [rows, cols] (element (kk, j) at b[kk·rs + j·cs]: rs = ldb, cs = 1 for a
/// block as stored; rs = 1, cs = ldb for the transpose of a stored one) as rows k0 ..< k0 + rows,
/// columns j0 ..< j0 + cols of a packed B [k, ·] (`out`; the last panel's padding, its columns
/// past n, the caller zeroes): B in one call, or blocks of several matrices side by side or one
/// above the other, each straight from where it is stored.
void rnnref_pack_into_f32(long k, long k0, long rows, long j0, long cols, const float *b, long rs, long cs, float *out);
void rnnref_pack_into_f64(long k, long k0, long rows, long j0, long cols, const double *b, long rs, long cs, double *out);

/// C [m, n] (rows ldc apart) += A [m, k] (rows lda apart) · packed B [k, n]; if not `accumulate`,
/// C = A·B (C is not read).
void rnnref_packed_gemm_f32(long m, long n, long k, const float *a, long lda, const float *bp, float *c, long ldc, int accumulate);
void rnnref_packed_gemm_f64(long m, long n, long k, const double *a, long lda, const double *bp, double *c, long ldc, int accumulate);

/// The same with one micro-kernel (1 baseline, 2 AVX2 + FMA, 4 AVX-512; one the CPU lacks:
/// the default), for tests.
void rnnref_packed_gemm_with_f32(int kernel, long m, long n, long k, const float *a, long lda, const float *bp, float *c, long ldc,
                                 int accumulate);
void rnnref_packed_gemm_with_f64(int kernel, long m, long n, long k, const double *a, long lda, const double *bp, double *c, long ldc,
                                 int accumulate);

/// The micro-kernels this CPU runs: bit 0 baseline, bit 1 AVX2 + FMA, bit 2 AVX-512.
int rnnref_packed_kernels_available(void);
/// The one `rnnref_packed_gemm_*` uses: the widest available.
int rnnref_packed_kernel(void);
#endif
