#!/usr/bin/env bash
# Installs the system packages rnnref builds against, when they are missing:
# libopenblas-dev (the BLAS implementation), libgsl-dev (numerical-derivative oracle and
# numpy's MT19937 stream) and pkg-config. Sourced by verify.sh and test.sh; with `--tests` also
# what the figure tests render with: librsvg2-bin (rsvg-convert) and fonts-dejavu-core (the font
# the figures are set in and measured with).
set -euo pipefail
missing=()
packages=(libopenblas-dev libgsl-dev pkg-config)
[ "${1:-}" = "--tests" ] && packages+=(librsvg2-bin fonts-dejavu-core)
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
