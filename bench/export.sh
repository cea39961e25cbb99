#!/usr/bin/env bash
# Exporter benchmark: 200 scrapes/s for 20 s against `bpfkit export` receiving >= 50k events/s;
# prints events/s, CPU per event, p50/p99 scrape latency, failed scrapes. Root needed (loads BPF).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v gcc >/dev/null || { echo "bench: gcc is needed" >&2; exit 1; }
bash scripts/setup.sh
exec node --import tsx bench/export/run.ts "$@"
