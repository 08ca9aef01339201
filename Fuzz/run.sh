#!/usr/bin/env bash
# libFuzzer over every reader rnnref has. Usage:
#   Fuzz/run.sh [SECONDS] [TARGET ...]      default: 600 seconds each, all six targets
# Targets: json (fixture files), npy, npz, text (training corpora), cli (command-line arguments),
# onnx (.onnx models through `rnnref fixture --onnx`'s reader).
# Builds Fuzz/ (a package over the parent) with -sanitize=fuzzer,address, linked by lld
# (toolset.json; gold crashes on these objects), then runs each target on a copy of its seed corpus (Fuzz/corpus/NAME, committed; new inputs go to Fuzz/.work/NAME)
# with a 10 s per-input timeout (a hang) and a 2 GB RSS / 1 GB single-allocation limit
# (unbounded memory). A crash leaves its input in Fuzz/.work/crash-NAME-*; the script then exits 1.
# A summary line per target (executions, seconds, exec/s, corpus size) ends the output.
set -uo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}; shift || true
targets=("${@:-json npy npz text cli onnx}")
targets=(${targets[@]})
bash ../deps.sh
mkdir -p .work
echo "building the fuzz targets (release, -sanitize=fuzzer,address --toolset toolset.json)..."
# a failed build must not leave the previous binaries to be fuzzed; SwiftPM has been seen to miss
# a source file added to the parent package (then `rm -rf Fuzz/.build` and run again)
if ! swift build -c release -Xswiftc -sanitize=fuzzer,address --toolset toolset.json > .work/build.log 2>&1; then
    grep -E "error" .work/build.log | head -5
    echo "run.sh: the fuzz targets did not build (see Fuzz/.work/build.log); if a source file was added, rm -rf Fuzz/.build" >&2
    exit 2
fi
grep -E "Build complete" .work/build.log
bin=$(swift build -c release -Xswiftc -sanitize=fuzzer,address --toolset toolset.json --show-bin-path)
status=0
summary=()
for t in "${targets[@]}"; do
    mkdir -p ".work/$t"
    log=".work/$t.log"
    echo "fuzz-$t: $seconds s"
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 "$bin/fuzz-$t" ".work/$t" "corpus/$t" -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -malloc_limit_mb=1024 -max_len=16384 -print_final_stats=1 \
        -artifact_prefix=".work/crash-$t-" > "$log" 2>&1
    rc=$?
    runs=$(grep -E "^stat::number_of_executed_units" "$log" | awk '{print $2}')
    secs=$(grep -oE "Done [0-9]+ runs in [0-9]+ second" "$log" | awk '{print $5}')
    corpus=$(ls ".work/$t" | wc -l)
    if [ $rc -ne 0 ]; then status=1; grep -E "ERROR|==[0-9]+==|SUMMARY|Test unit written" "$log" | head -8; fi
    line="fuzz-$t: rc=$rc executions=${runs:-?} seconds=${secs:-?} exec/s=$(( ${runs:-0} / (${secs:-1} > 0 ? ${secs:-1} : 1) )) corpus=$corpus"
    echo "$line"; summary+=("$line")
done
echo "---- summary"
printf '%s\n' "${summary[@]}"
exit $status
