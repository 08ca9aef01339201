# Sourced by verify.sh and test.sh. The min-char-rnn transcripts (Fixtures/programs/) are what
# numpy printed on the system OpenBLAS running its Haswell kernels, and the Swift program matches
# them bit for bit only on the same kernels. OpenBLAS picks its kernels per CPU at load time (on an
# AVX-512 machine it picks e.g. Cooperlake's, whose dot products sum in another order), so pin
# Haswell's wherever the CPU has AVX2, unless the caller chose a core type.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
  export OPENBLAS_CORETYPE=Haswell
fi
