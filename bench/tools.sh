#!/usr/bin/env bash
# Built-in tools under a storm: bpfkit opensnoop/execsnoop vs libbpf-tools' vs a bpftrace one-liner,
# same run: events delivered and lost, tracer CPU per event. Root needed. Method in bench/tools.ts.
# Needs gcc, bpftrace and libbpf-tools (scripts/setup.sh installs them) and a build (made if missing).
# Usage: bash bench/tools.sh [--tools opensnoop,execsnoop] [--opens N] [--execs N]
set -euo pipefail
cd "$(dirname "$0")/.."
for need in gcc bpftrace /usr/sbin/opensnoop /usr/sbin/execsnoop; do
  command -v "$need" >/dev/null || { echo "bench/tools.sh: $need missing (see scripts/setup.sh)" >&2; exit 1; }
done
[ -f dist/cli/bin.cjs ] || npm run --silent build >&2
exec node --import tsx bench/tools.ts "$@"
