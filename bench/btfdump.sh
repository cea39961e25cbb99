#!/usr/bin/env bash
# Times `bpfkit btf dump <file> --format c` against `bpftool btf dump file <file> format c` in the same
# run, interleaved, and prints both and their ratio. Two bpfkit figures: the whole CLI (node start-up,
# every command module, the dump) and the dumper alone (node start-up, BtfTable, formatC, write).
# Usage: bench/btfdump.sh [BTF file (default /sys/kernel/btf/vmlinux)] [runs (default 15)]
set -euo pipefail
cd "$(dirname "$0")/.."
file=${1:-/sys/kernel/btf/vmlinux}
runs=${2:-15}
out=build/bench
mkdir -p "$out"

# Compile to JavaScript first so neither figure includes TypeScript transpilation. tsc still emits
# when files of other commands have type errors, so ignore its status and check for the outputs.
npx --no-install tsc -p tsconfig.json --outDir "$out/dist" >/dev/null 2>&1 || true
for f in "$out/dist/cli/bin.js" "$out/dist/btf/format-c.js"; do
  [ -f "$f" ] || { echo "btfdump: $f was not built" >&2; exit 1; }
done
# The CLI reads its version from ../../package.json relative to dist/cli.
cp package.json "$out/package.json"
# The dumper alone: what `btf dump` does once the CLI has started (same V8 flag, same single write).
cat >"$out/dump-only.mjs" <<'EOF'
import { readFileSync, writeSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
const { BtfTable, DUMP_V8_FLAGS } = await import('./dist/btf/format-c-table.js');
setFlagsFromString(DUMP_V8_FLAGS);
const { formatCBytes } = await import('./dist/btf/format-c.js');
const out = formatCBytes(BtfTable.fromBytes(readFileSync(process.argv[2])));
for (let off = 0; off < out.length; ) off += writeSync(1, out, off, out.length - off);
EOF

# Same bytes? (bpftool's header is not identical to ours, but both must be sizeable C headers.)
ours=$(node "$out/dist/cli/bin.js" btf dump "$file" --format c | wc -l)
theirs=$(bpftool btf dump file "$file" format c | wc -l)
echo "lines: bpfkit $ours, bpftool $theirs"

cli="node $out/dist/cli/bin.js btf dump $file --format c"
lib="node $out/dump-only.mjs $file"
ref="bpftool btf dump file $file format c"

# Interleaved rounds (hyperfine would run all repetitions of one command back to back, so a change
# in machine load would bias the ratio): each round runs the three commands once.
declare -A t
for ((i = 0; i < runs; i++)); do
  for name in bpftool bpfkit-cli bpfkit-dumper; do
    case $name in bpftool) cmd=$ref ;; bpfkit-cli) cmd=$cli ;; *) cmd=$lib ;; esac
    s=$(date +%s%N)
    $cmd >/dev/null
    e=$(date +%s%N)
    t[$name]+="$(((e - s) / 1000000)) "
  done
done
stat() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR] = $1; s += $1} END {printf "%d %d %d", a[int((NR + 1) / 2)], a[1], s / NR}'; }
read -r bmed bmin bmean <<<"$(stat "${t[bpftool]}")"
for name in bpftool bpfkit-cli bpfkit-dumper; do
  read -r med min mean <<<"$(stat "${t[$name]}")"
  printf '%-14s median %4d ms  min %4d ms  mean %4d ms   ratio to bpftool: median %.2f  min %.2f\n' "$name" \
    "$med" "$min" "$mean" "$(awk -v a="$med" -v b="$bmed" 'BEGIN {print a / b}')" "$(awk -v a="$min" -v b="$bmin" 'BEGIN {print a / b}')"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
