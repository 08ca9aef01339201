#!/usr/bin/env bash
# The mutation catalogue: every mutant in Tests/Mutants/*.patch is a small, deliberate bug. Each
# is applied alone to a scratch copy of the working tree, the package is rebuilt, and the tests
# the mutant names are run; the mutant is caught when at least as many of them fail as it asks
# (`At-least:`, default 1). Prints a table (caught / survived, failing tests, seconds) and exits
# non-zero if any mutant survives, does not apply, or does not build.
#
#   ./mutate.sh            every mutant
#   ./mutate.sh --list     the mutants' names, one a line
#   ./mutate.sh NAME...    only those
#
# Not part of CI (about a minute a mutant). The scratch copy lives in $MUTATE_SCRATCH
# (default /tmp/rnnref-mutate) and keeps its .build between runs, so each mutant rebuilds only
# what its patch touches. See Tests/Mutants/README.md for the patch format.
set -uo pipefail
cd "$(dirname "$0")"
root=$PWD
dir=Tests/Mutants
scratch=${MUTATE_SCRATCH:-/tmp/rnnref-mutate}

names() { for p in "$dir"/*.patch; do basename "$p" .patch; done; }
header() { sed -n "s/^$2: *//p" "$dir/$1.patch" | head -1; }

if [ "${1:-}" = "--list" ]; then names; exit 0; fi
if [ $# -gt 0 ]; then selected=("$@"); else mapfile -t selected < <(names); fi
for n in "${selected[@]}"; do
  [ -f "$dir/$n.patch" ] || { echo "mutate.sh: no mutant $n ($dir/$n.patch)" >&2; exit 2; }
done

bash ./deps.sh >/dev/null
# the scratch copy: the working tree's files (tracked and new, not ignored)
mkdir -p "$scratch/src"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$scratch/src"
cd "$scratch/src"
echo "building the unmutated copy in $scratch/src ..."
if ! swift build --build-tests >"$scratch/build.log" 2>&1; then
  echo "mutate.sh: the unmutated package does not build (see $scratch/build.log)" >&2; exit 2
fi

start=$(date +%s)
rows=()
bad=0
for n in "${selected[@]}"; do
  patch="$root/$dir/$n.patch"
  t0=$(date +%s)
  filters=$(header "$n" Tests)
  least=$(header "$n" At-least); least=${least:-1}
  files=$(grep '^+++ b/' "$patch" | sed 's|^+++ b/||')
  result="" failing=0
  if ! git apply "$patch" 2>"$scratch/$n.apply.log"; then
    result="DOES NOT APPLY"
  elif ! swift build --build-tests >"$scratch/$n.build.log" 2>&1; then
    result="DOES NOT BUILD"
  else
    args=()
    for f in $filters; do args+=(--filter "$f"); done
    timeout 900 swift test --skip-build "${args[@]}" >"$scratch/$n.test.log" 2>&1
    status=$?
    # distinct tests that failed (Swift Testing's "✘ Test name(...) failed" lines)
    failing=$(grep -E '^✘ Test .* (failed|recorded an issue)' "$scratch/$n.test.log" | grep -v '^✘ Test run' |
              sed -E 's/^✘ Test ([^ ]+).*/\1/' | sort -u | wc -l)
    if [ "$status" -eq 124 ]; then result="caught (timeout)"; failing=$((failing + 1))
    elif [ "$failing" -ge "$least" ]; then result="caught"
    elif [ "$status" -ne 0 ] && [ "$failing" -eq 0 ] && [ "$least" -le 1 ]; then result="caught (crash)"; failing=1
    else result="SURVIVED"
    fi
  fi
  # restore the touched files from the working tree
  for f in $files; do cp "$root/$f" "$scratch/src/$f"; done
  t1=$(date +%s)
  case "$result" in caught*) ;; *) bad=$((bad + 1)) ;; esac
  row=$(printf '| `%s` | %s | %s / %s | %s | %d |' "$n" "$(header "$n" Target)" "$failing" "$least" "$result" $((t1 - t0)))
  rows+=("$row")
  echo "$row"
done
total=$(( $(date +%s) - start ))

echo
echo "| mutant | what it breaks | failing tests / needed | result | seconds |"
echo "| --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
echo
echo "${#selected[@]} mutants, $((${#selected[@]} - bad)) caught, $bad not, in ${total} s (logs in $scratch)"
[ "$bad" -eq 0 ]
