// Activations over contiguous runs of a buffer, written so that the compiler vectorises them
// (no libm calls, no branches: selects and integer bit tricks only), and compiled for three
// instruction-set levels (`target_clones`: AVX-512, AVX2 with FMA, baseline x86-64; the loader
// picks the widest the CPU has). The scalar reference calls libm's `exp`/`tanh`; these agree
// with libm to a few units in the last place (tested in VectorMathTests), which is what lets
// the BLAS cells match the scalar ones to 1e-12 in double.
//
// exp: Cephes' `expf`/`exp` (S. L. Moshier): n = round(x·log2 e), r = x − n·ln 2 in two parts,
// e^r by a polynomial (float) or the Padé form 1 + 2r·P(r²)/(Q(r²) − r·P(r²)) (double), then
// scaled by 2^n built in the exponent bits. The argument is clamped to the range where 2^n is
// a normal number, so e^x is exact-ish to ±88 (float) and ±708 (double) and saturates beyond.
// tanh: Cephes' odd polynomial (float) or rational (double) form for |x| < 0.625, else
// 1 − 2/(e^{2|x|} + 1) with the sign of x. sigmoid: 1/(1 + e^{−x}).
#include "vectormath.h"
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CLONES
#endif

static inline float clampf(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }
static inline double clampd(double x, double lo, double hi) { return x < lo ? lo : (x > hi ? hi : x); }

static inline float expf_(float x) {
    x = clampf(x, -87.33654f, 88.37626f);
    const float magic = 12582912.0f;                     // 1.5·2²³: adding it rounds to an integer
    float shifted = x * 1.4426950408889634f + magic;
    float n = shifted - magic;
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float z = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * z + r + 1;
    int32_t si, mi;
    memcpy(&si, &shifted, 4);
    memcpy(&mi, &magic, 4);
    int32_t bits = (si - mi + 127) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return p * scale;
}

static inline double expd_(double x) {
    x = clampd(x, -708.3, 708.3);
    const double magic = 6755399441055744.0;             // 1.5·2⁵²
    double shifted = x * 1.4426950408889634074 + magic;
    double n = shifted - magic;
    double r = x - n * 6.93145751953125e-1;
    r = r - n * 1.42860682030941723212e-6;
    double rr = r * r;
    double p = 1.26177193074810590878e-4;
    p = p * rr + 3.02994407707441961300e-2;
    p = p * rr + 9.99999999999999999910e-1;
    p *= r;
    double q = 3.00198505138664455042e-6;
    q = q * rr + 2.52448340349684104192e-3;
    q = q * rr + 2.27265548208155028766e-1;
    q = q * rr + 2.00000000000000000009;
    double e = 1 + 2 * (p / (q - p));
    int64_t si, mi;
    memcpy(&si, &shifted, 8);
    memcpy(&mi, &magic, 8);
    int64_t bits = (si - mi + 1023) << 52;
    double scale;
    memcpy(&scale, &bits, 8);
    return e * scale;
}

static inline float tanhf_(float x) {
    float a = x < 0 ? -x : x;
    float z = x * x;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    float small = p * z * x + x;
    float big = 1 - 2 / (expf_(2 * a) + 1);
    big = x < 0 ? -big : big;
    return a < 0.625f ? small : big;
}

static inline double tanhd_(double x) {
    double a = x < 0 ? -x : x;
    double z = x * x;
    double p = -9.64399179425052238628e-1;
    p = p * z - 9.92877231001918586564e1;
    p = p * z - 1.61468768441708447952e3;
    double q = z + 1.12811678491632931402e2;
    q = q * z + 2.23548839060100448583e3;
    q = q * z + 4.84406305325125486048e3;
    double small = x + x * z * (p / q);
    double big = 1 - 2 / (expd_(2 * a) + 1);
    big = x < 0 ? -big : big;
    return a < 0.625 ? small : big;
}

static inline float sigmoidf_(float x) { return 1 / (1 + expf_(-x)); }
static inline double sigmoidd_(double x) { return 1 / (1 + expd_(-x)); }

CLONES void rnnref_exp_f32(float *p, long n) { for (long k = 0; k < n; k++) p[k] = expf_(p[k]); }
CLONES void rnnref_tanh_f32(float *p, long n) { for (long k = 0; k < n; k++) p[k] = tanhf_(p[k]); }
CLONES void rnnref_sigmoid_f32(float *p, long n) { for (long k = 0; k < n; k++) p[k] = sigmoidf_(p[k]); }
CLONES void rnnref_exp_f64(double *p, long n) { for (long k = 0; k < n; k++) p[k] = expd_(p[k]); }
CLONES void rnnref_tanh_f64(double *p, long n) { for (long k = 0; k < n; k++) p[k] = tanhd_(p[k]); }
CLONES void rnnref_sigmoid_f64(double *p, long n) { for (long k = 0; k < n; k++) p[k] = sigmoidd_(p[k]); }

// The LSTM's gate pass over one row's run of n units, in one sweep instead of the nine a run of
// separate activations and loops takes (each element is read once and stays in registers):
// z holds the four gates' pre-activations as blocks of n (i, j, f, o, TensorFlow's names),
// bias likewise; z receives the activated gates (what BPTT keeps), c_next and h:
//   i = σ(z_i + b_i), j = tanh(z_j + b_j), f = σ(z_f + b_f), o = σ(z_o + b_o),
//   c_next = f ⊙ c_prev + i ⊙ j, h = o ⊙ tanh(c_next).
// Each operation as the separate passes do it, in their order, and no product fused into a sum
// (each product is its own statement): the same bits as those passes.
#define DEFINE_LSTM_GATES(SUF, T, SIG, TANH)                                                    \
    CLONES void rnnref_lstm_gates_##SUF(T *restrict z, const T *restrict bias, const T *restrict c_prev, \
                                        T *restrict c_next, T *restrict h, long n) {            \
        T *zi = z, *zj = z + n, *zf = z + 2 * n, *zo = z + 3 * n;                               \
        const T *bi = bias, *bj = bias + n, *bf = bias + 2 * n, *bo = bias + 3 * n;             \
        for (long k = 0; k < n; k++) {                                                          \
            T i = SIG(zi[k] + bi[k]), j = TANH(zj[k] + bj[k]), f = SIG(zf[k] + bf[k]), o = SIG(zo[k] + bo[k]); \
            T kept = f * c_prev[k];                                                             \
            T added = i * j;                                                                    \
            T c = kept + added;                                                                 \
            zi[k] = i; zj[k] = j; zf[k] = f; zo[k] = o;                                         \
            c_next[k] = c;                                                                      \
            h[k] = o * TANH(c);                                                                 \
        }                                                                                       \
    }
DEFINE_LSTM_GATES(f32, float, sigmoidf_, tanhf_)
DEFINE_LSTM_GATES(f64, double, sigmoidd_, tanhd_)

// The LSTM's backward gate pass over one row's run of n units, in one sweep instead of fifteen
// separate runs (c copied and activated, three runs of derivatives at the outputs, the four dz
// products, dc's two updates, the four bias sums):
// g holds the activated gates as blocks of n (i, j, f, o), c_prev = c_{t−1}, c = c_t, dm the
// gradient at h_t; dc carries dc_t in and dc_{t−1} out; dz receives the gates' pre-activation
// gradients (blocks of n) and dbias accumulates them:
//   a = tanh(c), dz_o = dm ⊙ a ⊙ σ'(o), dc += dm ⊙ o ⊙ tanh'(a),
//   dz_f = dc ⊙ c_prev ⊙ σ'(f), dz_i = dc ⊙ j ⊙ σ'(i), dz_j = dc ⊙ i ⊙ tanh'(j), dc_{t−1} = dc ⊙ f,
// with σ'(y) = y(1 − y) and tanh'(y) = 1 − y² at the outputs. As the forward's sweep: each
// operation as the separate runs do it, in their order, no product fused into a sum.
#define DEFINE_LSTM_GATE_DERIVATIVES(SUF, T, TANH)                                              \
    CLONES void rnnref_lstm_dgates_##SUF(const T *restrict g, const T *restrict c_prev, const T *restrict c, \
                                         const T *restrict dm, T *restrict dc, T *restrict dz, T *restrict dbias, long n) { \
        const T *gi = g, *gj = g + n, *gf = g + 2 * n, *go = g + 3 * n;                         \
        T *dzi = dz, *dzj = dz + n, *dzf = dz + 2 * n, *dzo = dz + 3 * n;                       \
        for (long k = 0; k < n; k++) {                                                          \
            T i = gi[k], j = gj[k], f = gf[k], o = go[k], a = TANH(c[k]);                       \
            T di = i * (1 - i), df = f * (1 - f), dO = o * (1 - o);                             \
            T jj = j * j, aa = a * a;                                                           \
            T dj = 1 - jj, da = 1 - aa;                                                         \
            T zo = dm[k] * a;                                                                   \
            zo = zo * dO;                                                                       \
            T back = dm[k] * o;                                                                 \
            back = back * da;                                                                   \
            T d = dc[k] + back;                                                                 \
            T zf = d * c_prev[k];                                                               \
            zf = zf * df;                                                                       \
            T zi = d * j;                                                                       \
            zi = zi * di;                                                                       \
            T zj = d * i;                                                                       \
            zj = zj * dj;                                                                       \
            dc[k] = d * f;                                                                      \
            dzi[k] = zi; dzj[k] = zj; dzf[k] = zf; dzo[k] = zo;                                 \
            dbias[k] += zi; dbias[n + k] += zj; dbias[2 * n + k] += zf; dbias[3 * n + k] += zo; \
        }                                                                                       \
    }
DEFINE_LSTM_GATE_DERIVATIVES(f32, float, tanhf_)
DEFINE_LSTM_GATE_DERIVATIVES(f64, double, tanhd_)
