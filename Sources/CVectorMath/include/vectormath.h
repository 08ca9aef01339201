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
#endif
