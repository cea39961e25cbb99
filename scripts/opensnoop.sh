#!/usr/bin/env bash
# Quick start: set up (as root), build the example opensnoop into a package, and run it.
# Extra arguments go to `bpfkit run` (e.g. --pid_target 1234, --json, --duration 5).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p build/examples
node dist/cli/bin.cjs build examples/opensnoop/opensnoop.bpf.c examples/opensnoop/opensnoop.h -o build/examples >&2
exec node dist/cli/bin.cjs run build/examples/opensnoop.bpfkit.json "$@"
