#!/usr/bin/env bash
# Rebuilds tools/<name>/<name>.bpfkit.json from tools/<name>/<name>.bpf.c (needs clang);
# `--check` only compares a rebuild with the committed packages and fails when one differs.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx scripts/build-tools.ts "$@"
