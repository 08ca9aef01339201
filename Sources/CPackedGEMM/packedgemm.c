// C += A·B with B packed once into panels of NR columns: a register-blocked micro-kernel, as in
// BLIS and OpenBLAS (K. Goto and R. van de Geijn, "Anatomy of high-performance matrix
// multiplication", ACM TOMS 34(3), 2008), without re-packing B per call, which is the point:
// a recurrent loop multiplies by the same W_h every step, and OpenBLAS 0.3.21 has no API for
// keeping a packed B (its `sgemm_oncopy` ran on every one of the T calls, 2–17% of a step
// loop, Benchmarks/profiles-2026-12-06.md). A (a step's h_{t−1} or dz_t, small) is packed per
// call, a block at a time, as they do.
//
// A tile is MR rows × TN columns of C (TN = NR, or a part of a panel where the registers hold
// less) held in vector registers for the whole k loop: per kk, TN/W vector loads of the packed
// panel, MR broadcasts of A's column kk, MR·TN/W fused multiply-adds. Three builds of the
// kernel, chosen once when first called by what the CPU has: AVX-512 (W = 16 floats or 8
// doubles; 4 vectors × 6 rows = 24 accumulators of the 32 registers, a whole panel), AVX2 + FMA
// (W = 8 or 4; 4 × 3 = 12 of 16, half a panel), baseline SSE2 (W = 4 or 2; 8 × 1). AVX-512's
// tile was 2 vectors × 12 rows over panels half as wide: 14 loads per 24 multiply-adds, now 10;
// the kernel alone, one core, 103–105 → 109 GFLOP/s at [64, 256]·[256, 512] (float; 51–52 → 54
// in double at [64, 256]·[256, 256]), 101–102 → 107–108 at [64, 512]·[512, 1024], and no
// slower at any step shape measured. Each C element is one sum over kk in order 0, 1, …, k−1
// (a fused multiply-add per term where the CPU has FMA), so a result does not depend on how
// the columns are split between workers.
#include "packedgemm.h"
#include <stdlib.h>
#include <string.h>

#define NR_F32 64
#define NR_F64 32
#define KC 128
#define MC 48
#define PF 32   // how many k steps ahead a full tile prefetches its panel

long rnnref_packed_nr_f32(void) { return NR_F32; }
long rnnref_packed_nr_f64(void) { return NR_F64; }
long rnnref_packed_size_f32(long k, long n) { return (n + NR_F32 - 1) / NR_F32 * k * NR_F32; }
long rnnref_packed_size_f64(long k, long n) { return (n + NR_F64 - 1) / NR_F64 * k * NR_F64; }

// A panel's run of columns at a time: contiguous copies along whichever of b's strides is 1.
#define DEFINE_PACK(SUF, T, NR)                                                                  \
    void rnnref_pack_into_##SUF(long k, long k0, long rows, long j0, long cols, const T *b, long rs, long cs, \
                                T *out) {                                                        \
        for (long c = 0; c < cols;) {                                                            \
            long col = j0 + c, lane = col % NR, run = NR - lane < cols - c ? NR - lane : cols - c; \
            T *dst = out + col / NR * k * NR + k0 * NR + lane;                                   \
            const T *src = b + c * cs;                                                           \
            if (rs == 1 && cs != 1) {                 /* a transposed source: down its rows */   \
                for (long j = 0; j < run; j++)                                                   \
                    for (long kk = 0; kk < rows; kk++) dst[kk * NR + j] = src[j * cs + kk];      \
            } else {                                                                             \
                for (long kk = 0; kk < rows; kk++)                                               \
                    for (long j = 0; j < run; j++) dst[kk * NR + j] = src[kk * rs + j * cs];     \
            }                                                                                    \
            c += run;                                                                            \
        }                                                                                        \
    }
DEFINE_PACK(f32, float, NR_F32)
DEFINE_PACK(f64, double, NR_F64)

// One tile: vector type V of W lanes of T (unaligned loads through VU), NV = TN/W vectors per
// tile row, MR rows. C[mr, nr] += Ap·Bp over kc (C = Ap·Bp if not `load`), Ap packed as kc × MR
// (column kk of the tile's rows side by side), Bp TN columns of one panel (kc rows NR apart).
// Rows past mr are padding (zero) and not stored, columns past nr are the panel's zero padding,
// not stored.
#define DEFINE_TILE(NAME, T, W, NR, TN, MR, ATTR)                                                \
    ATTR static void NAME(long mr, long nr, long kc, const T *ap, const T *bp, T *c, long ldc,  \
                          int load) {                                                            \
        typedef T V __attribute__((vector_size(W * sizeof(T))));                                 \
        typedef T VU __attribute__((vector_size(W * sizeof(T)), aligned(sizeof(T))));            \
        enum { NV = TN / W };                                                                    \
        V acc[MR][NV];                                                                           \
        int full = mr == MR && nr == TN;                                                         \
        T tmp[MR][TN];                                                                           \
        if (!full) {                                                                             \
            memset(tmp, 0, sizeof tmp);                                                          \
            for (long r = 0; load && r < mr; r++)                                                \
                for (long j = 0; j < nr; j++) tmp[r][j] = c[r * ldc + j];                        \
        }                                                                                        \
        _Pragma("unroll") for (int r = 0; r < MR; r++)                                           \
            _Pragma("unroll") for (int v = 0; v < NV; v++)                                       \
                acc[r][v] = !full ? *(const VU *)(&tmp[r][v * W])                                \
                          : load ? *(const VU *)(c + r * ldc + v * W) : (V){0};                  \
        for (long kk = 0; kk < kc; kk++) {                                                       \
            V bv[NV];                                                                            \
            /* the full tiles read a panel first: its lines PF k steps on, from L3 (a W_h of */   \
            /* 8 MB a core at H = 1024: the LSTM forward at (16, 500, 64, 1024) 469–570 → */     \
            /* 433–467 ms; from L2 it makes no difference) */                                    \
            if (MR >= 6) {                                                                       \
                _Pragma("unroll") for (int l = 0; l < (int)(TN * sizeof(T) / 64); l++)           \
                    __builtin_prefetch(bp + (kk + PF) * NR + l * (64 / sizeof(T)), 0, 3);        \
            }                                                                                    \
            _Pragma("unroll") for (int v = 0; v < NV; v++) bv[v] = *(const VU *)(bp + kk * NR + v * W); \
            _Pragma("unroll") for (int r = 0; r < MR; r++) {                                     \
                /* a scalar times a vector: one broadcast load (`(V){0} + a` was an add and a */ \
                /* shuffle per row beside the FMAs: 92 → 99 GFLOP/s at [64, 256]·[256, 512]) */   \
                T av = ap[kk * MR + r];                                                          \
                _Pragma("unroll") for (int v = 0; v < NV; v++) acc[r][v] += av * bv[v];          \
            }                                                                                    \
        }                                                                                        \
        if (full) {                                                                              \
            _Pragma("unroll") for (int r = 0; r < MR; r++)                                       \
                _Pragma("unroll") for (int v = 0; v < NV; v++) *(VU *)(c + r * ldc + v * W) = acc[r][v]; \
        } else {                                                                                 \
            _Pragma("unroll") for (int r = 0; r < MR; r++)                                       \
                _Pragma("unroll") for (int v = 0; v < NV; v++) *(VU *)(&tmp[r][v * W]) = acc[r][v]; \
            for (long r = 0; r < mr; r++)                                                        \
                for (long j = 0; j < nr; j++) c[r * ldc + j] = tmp[r][j];                        \
        }                                                                                        \
    }

// Packs mr rows and kc columns of A (from a) as kc × rows (zero past mr). A full tile of six
// rows (AVX-512's) column by column, six reads and six contiguous writes per kk: its six rows'
// lines fit in an L1 set's eight ways even when the rows are 4 KB apart and share one set.
// Every other block row by row: each row read front to back, the writes landing in `out`
// (kc·rows elements, in L1); column by column, twelve rows 4 KB apart (the tile's height then)
// missed on every read: dz_t·W_hᵀ at H = 256 (A [64, 1024], n = 128) ran at 79 GFLOP/s that
// way, 94 row by row. Packing A is about a tenth of that product: the kernel alone, one core,
// best three of six alternating runs, 98–100 GFLOP/s row by row, 107–111 with A packed once
// beforehand, 102–104 with the six-row copy (no change at the forward's [64, 256]·[256, 512]).
#define DEFINE_PACK_A(NAME, T)                                                                   \
    static void NAME(long mr, long rows, long kc, const T *a, long lda, T *out) {                \
        if (mr == 6 && rows == 6) {                                                              \
            const T *a0 = a, *a1 = a + lda, *a2 = a + 2 * lda, *a3 = a + 3 * lda, *a4 = a + 4 * lda, *a5 = a + 5 * lda; \
            for (long kk = 0; kk < kc; kk++) {                                                   \
                T *o = out + kk * 6;                                                             \
                o[0] = a0[kk]; o[1] = a1[kk]; o[2] = a2[kk]; o[3] = a3[kk]; o[4] = a4[kk]; o[5] = a5[kk]; \
            }                                                                                    \
            return;                                                                              \
        }                                                                                        \
        for (long r = 0; r < rows; r++)                                                          \
            for (long kk = 0; kk < kc; kk++) out[kk * rows + r] = r < mr ? a[r * lda + kk] : (T)0; \
    }
DEFINE_PACK_A(pack_a_f32, float)
DEFINE_PACK_A(pack_a_f64, double)

// One build of the kernel: tiles of MR rows and TN columns (vectors of W lanes of T, TN / W per
// tile row; a panel of NR columns in NR / TN column blocks), the rows left over in tiles of MRS
// rows and then of one (a GEMV is all left over). k is cut in blocks of KC so that a panel's
// block (KC·NR elements, 32 KB) stays in L1 while every row tile reads it; A's rows in blocks
// of MC, packed per block so that a tile's kk-th column is MR contiguous numbers (A's own rows
// can be 4 KB apart, all in one L1 set). Blocking k does not change the sums: each block adds
// on to C, in the order of kk.
#define DEFINE_KERNEL(NAME, T, W, NR, TN, MR, MRS, ATTR)                                         \
    DEFINE_TILE(NAME##_tile, T, W, NR, TN, MR, ATTR)                                             \
    DEFINE_TILE(NAME##_tiles, T, W, NR, TN, MRS, ATTR)                                           \
    DEFINE_TILE(NAME##_tile1, T, W, NR, TN, 1, ATTR)                                             \
    /* The rows of tile number `i` of a block of mc rows: MR while MR are left, then MRS, then 1. */ \
    static inline long NAME##_rows(long left) { return left >= MR ? MR : (left >= MRS ? MRS : 1); } \
    /* C[mc, nr] += Ap·panel over one k block (C = if not `load`), Ap the block's mc rows packed */ \
    /* tile by tile: every row tile of one panel. */                                             \
    ATTR static void NAME##_block(long mc, long nr, long kc, const T *ap, const T *panel, T *cp,  \
                                  long ldc, int load) {                                          \
        for (long j0 = 0; j0 < nr; j0 += TN) {                                                   \
            long tn = nr - j0 < TN ? nr - j0 : TN;                                               \
            const T *a = ap;                                                                     \
            for (long i = 0, rows; i < mc; i += rows, a += kc * rows) {                          \
                rows = NAME##_rows(mc - i);                                                      \
                T *c = cp + i * ldc + j0;                                                        \
                if (rows == MR) NAME##_tile(MR, tn, kc, a, panel + j0, c, ldc, load);            \
                else if (rows == MRS) NAME##_tiles(MRS, tn, kc, a, panel + j0, c, ldc, load);    \
                else NAME##_tile1(1, tn, kc, a, panel + j0, c, ldc, load);                       \
            }                                                                                    \
        }                                                                                        \
    }                                                                                            \
    ATTR static void NAME(long m, long n, long k, const T *a, long lda, const T *bp, T *c,       \
                          long ldc, int accumulate, T *work) {                                   \
        T *all = m <= MC && k > KC ? (T *)malloc(m * k * sizeof(T)) : 0;                         \
        if (all) {                                                                               \
            /* few rows, several k blocks: all of A packed first (block k0 at all + k0·m), then */ \
            /* panel by panel, each panel's k blocks in order: B is read front to back once, */ \
            /* where the loop below would jump from panel to panel within each k block (a */   \
            /* GEMV over a W_h larger than L2: 16.7 → 28 GFLOP/s at [1, 1024]·[1024, 4096]) */  \
            for (long k0 = 0; k0 < k; k0 += KC) {                                                \
                long kc = k - k0 < KC ? k - k0 : KC;                                             \
                T *w = all + k0 * m;                                                             \
                for (long i = 0, rows; i < m; i += rows, w += kc * rows) {                       \
                    rows = NAME##_rows(m - i);                                                   \
                    pack_a_##T(rows, rows, kc, a + i * lda + k0, lda, w);                        \
                }                                                                                \
            }                                                                                    \
            for (long p = 0; p * NR < n; p++) {                                                  \
                long nr = n - p * NR < NR ? n - p * NR : NR;                                     \
                for (long k0 = 0; k0 < k; k0 += KC) {                                            \
                    long kc = k - k0 < KC ? k - k0 : KC;                                         \
                    NAME##_block(m, nr, kc, all + k0 * m, bp + p * k * NR + k0 * NR, c + p * NR, ldc, \
                                 accumulate || k0 > 0);                                          \
                }                                                                                \
            }                                                                                    \
            free(all);                                                                           \
            return;                                                                              \
        }                                                                                        \
        for (long k0 = 0; k0 < k; k0 += KC) {                                                    \
            long kc = k - k0 < KC ? k - k0 : KC;                                                 \
            for (long i0 = 0; i0 < m; i0 += MC) {                                                \
                long mc = m - i0 < MC ? m - i0 : MC;                                             \
                T *w = work;                                                                     \
                for (long i = 0, rows; i < mc; i += rows, w += kc * rows) {                      \
                    rows = NAME##_rows(mc - i);                                                  \
                    pack_a_##T(rows, rows, kc, a + (i0 + i) * lda + k0, lda, w);                 \
                }                                                                                \
                for (long p = 0; p * NR < n; p++) {                                              \
                    long nr = n - p * NR < NR ? n - p * NR : NR;                                 \
                    NAME##_block(mc, nr, kc, work, bp + p * k * NR + k0 * NR, c + i0 * ldc + p * NR, ldc, \
                                 accumulate || k0 > 0);                                          \
                }                                                                                \
            }                                                                                    \
        }                                                                                        \
    }

#define pack_a_float pack_a_f32
#define pack_a_double pack_a_f64

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma")))
#define AVX2 __attribute__((target("avx2,fma")))
#pragma clang fp contract(fast)
DEFINE_KERNEL(gemm_f32_avx512, float, 16, NR_F32, 64, 6, 4, AVX512)
DEFINE_KERNEL(gemm_f64_avx512, double, 8, NR_F64, 32, 6, 4, AVX512)
DEFINE_KERNEL(gemm_f32_avx2, float, 8, NR_F32, 32, 3, 1, AVX2)
DEFINE_KERNEL(gemm_f64_avx2, double, 4, NR_F64, 16, 3, 1, AVX2)
#define HAVE_X86 1
#endif
DEFINE_KERNEL(gemm_f32_base, float, 4, NR_F32, 32, 1, 1, )
DEFINE_KERNEL(gemm_f64_base, double, 2, NR_F64, 16, 1, 1, )

static int detect(void) {
    int k = 1;
#ifdef HAVE_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) k |= 2;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) k |= 4;
#endif
    return k;
}

static _Atomic int detected = 0;   // 0: not asked yet

static int available(void) {
    int k = detected;
    if (k == 0) { k = detect(); detected = k; }
    return k;
}

static int widest(int k) { return k & 4 ? 4 : (k & 2 ? 2 : 1); }

static _Atomic int chosen = 0;   // 0: not chosen yet

static int kernel(void) {
    int k = chosen;
    if (k == 0) { k = widest(available()); chosen = k; }
    return k;
}

int rnnref_packed_kernels_available(void) { return available(); }
int rnnref_packed_kernel(void) { return kernel(); }

#define DEFINE_ENTRY(SUF, T)                                                                     \
    void rnnref_packed_gemm_with_##SUF(int use, long m, long n, long k, const T *a, long lda,    \
                                       const T *bp, T *c, long ldc, int accumulate) {            \
        if (m <= 0 || n <= 0) return;                                                            \
        if (k <= 0) {                                                                            \
            for (long i = 0; !accumulate && i < m; i++) memset(c + i * ldc, 0, n * sizeof(T));   \
            return;                                                                              \
        }                                                                                        \
        if (!(available() & use)) use = kernel();                                                \
        T work[MC * KC];        /* A's block of MC rows, packed: 48 KB for double, on the stack */ \
        switch (use) {                                                                           \
        ENTRY_X86(SUF)                                                                           \
        default: gemm_##SUF##_base(m, n, k, a, lda, bp, c, ldc, accumulate, work); return;       \
        }                                                                                        \
    }                                                                                            \
    void rnnref_packed_gemm_##SUF(long m, long n, long k, const T *a, long lda, const T *bp, T *c, \
                                  long ldc, int accumulate) {                                    \
        rnnref_packed_gemm_with_##SUF(kernel(), m, n, k, a, lda, bp, c, ldc, accumulate);        \
    }
#ifdef HAVE_X86
#define ENTRY_X86(SUF)                                                                           \
    case 4: gemm_##SUF##_avx512(m, n, k, a, lda, bp, c, ldc, accumulate, work); return;          \
    case 2: gemm_##SUF##_avx2(m, n, k, a, lda, bp, c, ldc, accumulate, work); return;
#else
#define ENTRY_X86(SUF)
#endif
DEFINE_ENTRY(f32, float)
DEFINE_ENTRY(f64, double)
