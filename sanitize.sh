#!/usr/bin/env bash
# The whole test suite under AddressSanitizer and ThreadSanitizer (not part of CI: a debug build
# with a sanitizer runs the suite several times slower). Usage:
#   ./sanitize.sh [address|thread ...]        default: address, then thread
# Each sanitizer builds into its own scratch directory (.build-address, .build-thread), then runs
# `swift test` there: ASan on the debug build, TSan on the release build with -enable-testing
# (under TSan a debug build needs over an hour for the suite on 2 cores; TSan checks the
# happens-before order of the accesses it sees, which optimization does not remove). ASan aborts on the first error (halt_on_error) and reports leaks
# (LeakSanitizer, with the third-party leaks listed and explained in .ci/lsan.supp suppressed);
# TSan reports every data race and makes the run fail (exit 66). The last line
# per sanitizer says how long it took and how it ended; the script exits non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")"
bash ./deps.sh
status=0
summary=()
sanitizers=("$@"); [ ${#sanitizers[@]} -eq 0 ] && sanitizers=(address thread)
for s in "${sanitizers[@]}"; do
    case "$s" in address|thread) ;; *) echo "sanitize.sh: unknown sanitizer '$s' (address or thread)" >&2; exit 2;; esac
    start=$(date +%s)
    log=".build-$s.log"
    echo "== $s: building"
    mode=(); [ "$s" = thread ] && mode=(-c release -Xswiftc -enable-testing)
    if ! swift build --build-tests "${mode[@]}" --sanitize="$s" --scratch-path ".build-$s" > "$log" 2>&1; then
        grep -E "error" "$log" | head -5; status=1; summary+=("$s: BUILD FAILED"); continue
    fi
    echo "== $s: swift test"
    ASAN_OPTIONS="halt_on_error=1:detect_leaks=1" LSAN_OPTIONS="suppressions=$PWD/.ci/lsan.supp:print_suppressions=0" \
        TSAN_OPTIONS="halt_on_error=0:exitcode=66" \
        swift test --skip-build "${mode[@]}" --sanitize="$s" --scratch-path ".build-$s" >> "$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    tests=$(grep -oE "Test run with [0-9]+ tests? in [0-9]+ suites? (passed|failed)[^.]*" "$log" | tail -1)
    reports=$(grep -cE "^(==[0-9]+==ERROR|WARNING: ThreadSanitizer|SUMMARY: (Address|Thread|Leak)Sanitizer)" "$log")
    [ $rc -ne 0 ] && { status=1; grep -E "ERROR: |WARNING: ThreadSanitizer|SUMMARY:|✘" "$log" | head -10; }
    summary+=("$s: rc=$rc, ${secs}s, ${tests:-no test summary}, sanitizer reports: $reports (log: $log)")
done
echo "---- summary"
printf '%s\n' "${summary[@]}"
exit $status
