#ifndef RNNREF_COPENBLAS_SHIM_H
#define RNNREF_COPENBLAS_SHIM_H
// OpenBLAS's own CBLAS header (found through pkg-config's include path for `openblas`).
#include <cblas.h>
#endif
