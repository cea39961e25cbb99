#!/usr/bin/env bash
# Startup benchmark: bpfkit run vs libbpf-tools opensnoop vs bpftrace, same run. Root needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node --import tsx bench/startup.ts "$@"
