#ifndef RNNREF_VECTORMATH_H
#define RNNREF_VECTORMATH_H
// Activations over contiguous runs, in place, for RNNBLAS's gate passes. Compiled once per
// instruction-set level (AVX-512, AVX2 + FMA, baseline x86-64) and chosen when the program
// loads (GCC/Clang `target_clones`), so one binary runs everywhere and uses the widest vectors
// the CPU has. See vectormath.c for the algorithms.
void rnnref_exp_f32(float *p, long n);
void rnnref_tanh_f32(float *p, long n);
void rnnref_sigmoid_f32(float *p, long n);
void rnnref_exp_f64(double *p, long n);
void rnnref_tanh_f64(double *p, long n);
void rnnref_sigmoid_f64(double *p, long n);
// The LSTM's gate pass over a run of n units (σ, tanh; no peepholes or clip): z [i|j|f|o] blocks
// of n, pre-activations in, activated gates out; c_next = f·c_prev + i·j, h = o·tanh(c_next).
void rnnref_lstm_gates_f32(float *z, const float *bias, const float *c_prev, float *c_next, float *h, long n);
void rnnref_lstm_gates_f64(double *z, const double *bias, const double *c_prev, double *c_next, double *h, long n);
// Its backward over a run of n units: g the activated gates [i|j|f|o], c_prev = c_{t−1}, c = c_t,
// dm the gradient at h_t; dc carries dc_t in and dc_{t−1} out, dz receives [i|j|f|o]'s
// pre-activation gradients, dbias accumulates them.
void rnnref_lstm_dgates_f32(const float *g, const float *c_prev, const float *c, const float *dm, float *dc, float *dz, float *dbias,
                            long n);
void rnnref_lstm_dgates_f64(const double *g, const double *c_prev, const double *c, const double *dm, double *dc, double *dz,
                            double *dbias, long n);
#endif
