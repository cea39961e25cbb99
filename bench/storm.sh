#!/usr/bin/env bash
# Open-storm benchmark: bpfkit opensnoop (package, ring-buffer object) vs /usr/sbin/opensnoop, same run.
# Root needed. Method in bench/storm.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node --import tsx bench/storm.ts "$@"
