#!/usr/bin/env bash
# Times `bpfkit btf dump <file> --format c` against `bpftool btf dump file <file> format c` in the same
# run, interleaved, and prints both and their ratio (issue #3: the CLI within 2x of bpftool). Figures:
#   bpftool         the reference
#   bpfkit-cli      what a user sees: node start-up, the CLI (bin.cjs and its CommonJS dump bundle),
#                   reading the BTF, the dump, the write
#   bpfkit-dumper   the library from an ES module script: node start-up with its ES module loader (which
#                   the CLI's bundle skips), BtfTable, formatCBytes and the write
#   *-no-extra-ca   the same with NODE_EXTRA_CA_CERTS unset, shown only when it is set: node then parses
#                   that certificate file at start-up, before any of our code (~50 ms on a 2-CPU VM)
# Output goes to /dev/null. When hyperfine is installed, it also times bpftool and the CLI (one command
# after the other rather than interleaved, so a change in machine load biases its ratio).
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
# The CommonJS bundle bin.cjs loads for `btf dump` (as `npm run build` makes it).
npx --no-install esbuild src/cli/commands/btf-dump.ts --bundle --platform=node --format=cjs --target=node20 \
  --outfile="$out/dist/cli/btf-dump.cjs" --log-level=warning
for f in "$out/dist/cli/bin.cjs" "$out/dist/cli/btf-dump.cjs" "$out/dist/btf/format-c.js"; do
  [ -f "$f" ] || { echo "btfdump: $f was not built" >&2; exit 1; }
done
# The CLI reads its version from ../../package.json relative to dist/cli.
cp package.json "$out/package.json"
# The dumper alone: what `btf dump` does once the CLI has started (same V8 flags, same single write).
cat >"$out/dump-only.mjs" <<'EOF'
import { readFileSync, writeSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
const { BtfTable, DUMP_V8_FLAGS } = await import('./dist/btf/format-c-table.js');
setFlagsFromString(DUMP_V8_FLAGS);
const { formatCBytes } = await import('./dist/btf/format-c.js');
const out = formatCBytes(BtfTable.fromBytes(readFileSync(process.argv[2])));
for (let off = 0; off < out.length; ) off += writeSync(1, out, off, out.length - off);
EOF

cli="node $out/dist/cli/bin.cjs btf dump $file --format c"
lib="node $out/dump-only.mjs $file"
ref="bpftool btf dump file $file format c"

# Same bytes from both bpfkit figures; bpftool's header differs in details but is as big.
[ "$($cli | md5sum)" = "$($lib | md5sum)" ] || { echo "btfdump: CLI and dumper outputs differ" >&2; exit 1; }
echo "lines: bpfkit $($cli | wc -l), bpftool $($ref | wc -l)"

names=(bpftool bpfkit-cli bpfkit-dumper)
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ]; then
  names+=(bpfkit-cli-no-extra-ca bpfkit-dumper-no-extra-ca)
  echo "note: NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS is set; node loads it at every start-up"
fi

# Interleaved rounds (hyperfine would run all repetitions of one command back to back, so a change
# in machine load would bias the ratio): each round runs every command once.
declare -A t
for ((i = 0; i < runs; i++)); do
  for name in "${names[@]}"; do
    case $name in
      bpftool) cmd=(env $ref) ;;
      bpfkit-cli) cmd=(env $cli) ;;
      bpfkit-dumper) cmd=(env $lib) ;;
      bpfkit-cli-no-extra-ca) cmd=(env -u NODE_EXTRA_CA_CERTS $cli) ;;
      bpfkit-dumper-no-extra-ca) cmd=(env -u NODE_EXTRA_CA_CERTS $lib) ;;
    esac
    s=$(date +%s%N)
    "${cmd[@]}" >/dev/null
    e=$(date +%s%N)
    t[$name]+="$(((e - s) / 1000000)) "
  done
done
stat() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR] = $1; s += $1} END {printf "%d %d %d", a[int((NR + 1) / 2)], a[1], s / NR}'; }
read -r bmed bmin _ <<<"$(stat "${t[bpftool]}")"
echo "$runs interleaved runs each:"
for name in "${names[@]}"; do
  read -r med min mean <<<"$(stat "${t[$name]}")"
  printf '%-26s median %4d ms  min %4d ms  mean %4d ms   ratio to bpftool: median %.2f  min %.2f\n' "$name" \
    "$med" "$min" "$mean" "$(awk -v a="$med" -v b="$bmed" 'BEGIN {print a / b}')" "$(awk -v a="$min" -v b="$bmin" 'BEGIN {print a / b}')"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"

if command -v hyperfine >/dev/null; then
  json=$out/hyperfine.json
  hyperfine -N --style none --warmup 2 --runs "$runs" --export-json "$json" -n bpftool "$ref" -n bpfkit-cli "$cli" >/dev/null
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
    const ms = (s) => (s * 1000).toFixed(0);
    for (const x of r)
      console.log(`hyperfine ${x.command.padEnd(14)} median ${ms(x.median)} ms  mean ${ms(x.mean)} ± ${ms(x.stddev)} ms` +
        `   ratio to bpftool: median ${(x.median / r[0].median).toFixed(2)}`);
  ' "$json"
fi
