#!/usr/bin/env bash
# Where one benchmark case's time goes: `perf record` of `rnnref bench` (the release build), the
# samples' self time grouped into what it is spent on. Issue 19 asks for this profile wherever a
# target is missed.
#
#   Benchmarks/profile.sh CELL DTYPE PASS B T I H [THREADS]     e.g. lstm float32 forward 64 100 256 256 2
#
# Prints a markdown table: share of samples in OpenBLAS's GEMM kernels, our packed GEMM's
# micro-kernels (CPackedGEMM, the per-step products), OpenBLAS's packing
# (copy) routines, OpenBLAS's threads waiting for work or for each other, our gate passes
# (CVectorMath's exp/tanh/sigmoid and the LSTM's one-sweep passes, forward and backward; the Swift loops around them), memory (memcpy/memset and the
# allocator), the kernel's page faults and scheduler (threads yielding and waking), and the rest;
# then the twelve hottest symbols, demangled. Our sequence loops run the gate pass and wait at
# the per-step barrier in one closure, so "our loops" holds both.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 7 ] || { sed -n '2,12p' "$0"; exit 2; }
cell=$1 dtype=$2 pass=$3 b=$4 t=$5 i=$6 h=$7 threads=${8:-2}
command -v perf >/dev/null || { echo "profile.sh: perf is not installed (Debian: linux-perf)" >&2; exit 2; }
swift build -c release --product rnnref >/dev/null 2>&1
source ./openblas-env.sh
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
perf record -q -F 1999 -o "$out/perf.data" -- .build/release/rnnref bench --cell "$cell" --dtype "$dtype" --pass "$pass" \
  --batch "$b" --steps "$t" --input "$i" --hidden "$h" --threads "$threads" --repeat ${REPEAT:-10} >"$out/bench.txt" 2>&1
perf report -q -i "$out/perf.data" --stdio --no-children --sort dso,symbol 2>/dev/null | grep '%' | sed -E 's/ +-[[:space:]]+-[[:space:]]*$//' \
  | swift demangle --simplified --compact | sed -E 's/ +-[[:space:]]+-[[:space:]]*$//' >"$out/report.txt"
echo "### $cell $dtype $pass, (B, T, I, H) = ($b, $t, $i, $h), $threads threads"
echo
grep -E "ms|GFLOP" "$out/bench.txt" | head -3 | sed 's/^/    /'
echo
classify='
  { pct = $1; sub("%", "", pct); dso = $2; sym = ""; for (k = 4; k <= NF; k++) sym = sym (k > 4 ? " " : "") $k
    g = "other"
    if (dso ~ /kernel/ && sym ~ /page_fault|clear_page|do_anonymous|handle_mm|alloc_pages|memcg|lru|rmqueue|zap_|unmap/) g = "kernel: page faults (first touch of fresh buffers)"
    else if (dso ~ /kernel/ && sym ~ /sched|yield|futex|syscall|switch|entry_SYSCALL|pick_next|update_curr|__x64_sys/) g = "kernel: threads yielding and waking (OpenBLAS waits, our barrier)"
    else if (dso ~ /kernel/) g = "kernel, other"
    else if (dso ~ /openblas/ && sym ~ /gemm_kernel|gemv|_kernel/) g = "OpenBLAS GEMM/GEMV kernels"
    else if (dso ~ /openblas/ && sym ~ /copy|_beta/) g = "OpenBLAS packing and beta scaling"
    else if (dso ~ /openblas/ && sym ~ /thread|exec_blas|sched|blas_memory|inner_thread|yield/) g = "OpenBLAS threads: waiting and synchronising"
    else if (dso ~ /openblas/) g = "OpenBLAS, other"
    else if (sym ~ /^gemm_f(32|64)_|rnnref_pack_f|pack_a_f/) g = "our packed GEMM (CPackedGEMM: micro-kernels, packing)"
    else if (sym ~ /rnnref_v(exp|tanh|sigmoid)|rnnref_lstm_d?gates|vectormath|Vector|sigmoid|tanh|exp/) g = "gate math (CVectorMath, activations)"
    else if (sym ~ /memcpy|memset|memmove|malloc|free|_int_|Array|allocate|swift_retain|swift_release/) g = "memory, allocation, ARC"
    else if (sym ~ /RNNBLAS|RNNCore|gate|Gate|LSTM|GRU|Elman|Step|pack|closure/) g = "our loops (RNNBLAS/RNNCore)"
    else if (sym ~ /gsl_|Bench|firstNonFinite|RandomState|uniform/ || dso ~ /libgsl/) g = "benchmark setup (random weights and inputs, checks)"
    if (mode == "groups") share[g] += pct
    else if (mode == "other") { if (g == "other" && m < 6) { printf "%s (%s, %.1f%%); ", sym, dso, pct; m++ } }
    else if (n < 12) { if (length(sym) > 110) sym = substr(sym, 1, 107) "..."; printf "| `%s` | %s | %.1f%% |\n", sym, dso, pct; n++ } }
  END { if (mode == "groups") for (g in share) printf "| %s | %.1f%% |\n", g, share[g] }'
echo "| where | share of samples |"; echo "| --- | --- |"
awk -v mode=groups "$classify" "$out/report.txt" | sort -t'|' -k3 -g -r
echo
echo "Largest in \"other\": $(awk -v mode=other "$classify" "$out/report.txt")"
echo
echo "| hottest symbols | library | share |"; echo "| --- | --- | --- |"
awk -v mode=top "$classify" "$out/report.txt"
