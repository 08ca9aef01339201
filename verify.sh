#!/usr/bin/env bash
# The main job: every fixture through both implementations plus gradient checks, as a table.
# Extra arguments go to `rnnref verify` (e.g. --gsl, --filter tf-).
set -euo pipefail
cd "$(dirname "$0")"
bash ./deps.sh
source ./openblas-env.sh
swift build -c release --product rnnref 2>&1 | grep -E "error|warning: |Compiling rnnref|Build complete" || true
exec .build/release/rnnref verify "$@"
