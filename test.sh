#!/usr/bin/env bash
# The whole test suite (Swift Testing). Needs no Python: fixtures are committed JSON.
set -euo pipefail
cd "$(dirname "$0")"
bash ./deps.sh --tests
source ./openblas-env.sh
exec swift test "$@"
