#ifndef RNNREF_CGSL_SHIM_H
#define RNNREF_CGSL_SHIM_H
// Only the two GSL headers we need. Do not add headers that pull in gsl_cblas.h: its enums
// clash with OpenBLAS's cblas.h when both end up in one Clang module graph.
#include <gsl/gsl_deriv.h>
#include <gsl/gsl_rng.h>

// Swift 6 rejects C globals such as `gsl_rng_mt19937` as shared mutable state; this accessor
// reads it once per call instead.
static inline const gsl_rng_type *rnnref_gsl_rng_mt19937(void) { return gsl_rng_mt19937; }
#endif
