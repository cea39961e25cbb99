#!/usr/bin/env bash
# Ring-buffer consumer benchmark: C libbpf vs bpfkit (raw, decoded). Root needed (loads BPF).
# Builds the producer, the BPF program and the C consumer in the same run (clang, gcc, libbpf-dev).
set -euo pipefail
cd "$(dirname "$0")/../.."
for tool in clang gcc; do
  command -v "$tool" >/dev/null || { echo "bench: $tool is needed" >&2; exit 1; }
done
[ -e /usr/include/bpf/libbpf.h ] || { echo "bench: libbpf-dev headers are needed" >&2; exit 1; }
exec node --import tsx bench/ringbuf/run.ts "$@"
