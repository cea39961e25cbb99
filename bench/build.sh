#!/usr/bin/env bash
# bench/build.sh: wall time of `bpfkit build` against the clang call it makes, in the same run, once
# vmlinux.h is cached. Prints medians, minimums and ratios (target: within 1.3x of clang).
#
# Like with like: bpfkit compiles against its cached precompiled vmlinux.h (PCH), so the peer is clang
# with that same PCH (`-include-pch`). The no-cache pair is printed too: bpfkit with BPFKIT_NO_PCH=1
# against plain clang parsing vmlinux.h, both without a PCH.
# bpfkit runs as shipped: the TypeScript is compiled to JavaScript first (tsc, into a temp dir) and
# bundled (scripts/bundle.mjs), so the figure includes Node's startup and module loading but not
# tsx's on-the-fly transpiling.
# Two bpfkit figures are printed: the default build (which compiles against the cached precompiled
# vmlinux.h when that cannot change the object; the object is byte-identical to clang's) and
# BPFKIT_NO_PCH=1 (parses vmlinux.h like plain clang does: the cost of bpfkit's own work).
# The machine should be otherwise idle: on 2 CPUs, other load slows bpfkit (node + clang + the AST
# dump beside the compile) more than a single clang.
# A third pair shows the floor any Node tool has here: `node` starting and running that same clang
# -include-pch call through child_process, nothing else (node + clang), beside bpfkit build.
# Usage: bench/build.sh [source.bpf.c [header.h|-]] [runs]   (default: examples/opensnoop, 11 runs)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC=${1:-$ROOT/examples/opensnoop/opensnoop.bpf.c}
HDR=${2-$ROOT/examples/opensnoop/opensnoop.h}
RUNS=${3:-11}
[ "$HDR" = "-" ] && HDR=

T=$(mktemp -d /tmp/bpfkit-bench-build.XXXXXX)
trap 'rm -rf "$T"' EXIT
export XDG_CACHE_HOME=$T/cache

# Compile bpfkit to JS (type errors elsewhere in the tree must not stop the bench).
(cd "$ROOT" && npx --no-install tsc -p tsconfig.json --outDir "$T/dist" --noCheck --sourceMap false --declaration false)
# …and bundled as `npm run build` ships it (when this checkout has the bundler script).
[ ! -f "$ROOT/scripts/bundle.mjs" ] || (cd "$ROOT" && node scripts/bundle.mjs "$T/dist")
cp "$ROOT/package.json" "$T/package.json"
ln -s "$ROOT/bpf" "$T/bpf"
ln -s "$ROOT/node_modules" "$T/node_modules"
BPFKIT=(node "$T/dist/cli/bin.cjs" build "$SRC" ${HDR:+"$HDR"} -o "$T/out")

echo "warming the cache (vmlinux.h, precompiled header)…" >&2
"${BPFKIT[@]}" >/dev/null
"${BPFKIT[@]}" >/dev/null
VMDIR=$(ls -d "$XDG_CACHE_HOME"/bpfkit/vmlinux/*/ | head -1)
MULTI=()
[ -d /usr/include/x86_64-linux-gnu ] && MULTI=(-idirafter /usr/include/x86_64-linux-gnu)
CLANG=(clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I "$VMDIR" -I "$ROOT/bpf/include" "${MULTI[@]}" -c "$SRC" -o "$T/plain.o")
PCH=$(ls "$VMDIR"/*.pch 2>/dev/null | head -1)
[ -n "$PCH" ] || { echo "bench: no precompiled vmlinux.h in $VMDIR" >&2; exit 1; }
CLANG_PCH=(clang -include-pch "$PCH" -g -O2 -target bpf -D__TARGET_ARCH_x86 -I "$VMDIR" -I "$ROOT/bpf/include" "${MULTI[@]}" -c "$SRC" -o "$T/pch.o")
"${CLANG_PCH[@]}" || { echo "bench: clang refuses bpfkit's PCH with these flags" >&2; exit 1; }

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
minimum() { sort -n | head -1; }

# node + the clang call, nothing else: what a Node front end to clang cannot go below.
FLOOR=(node -e 'const r = require("node:child_process").spawnSync(process.argv[1], process.argv.slice(2), { stdio: "inherit" }); process.exit(r.status ?? 1)' "${CLANG_PCH[@]}")
"${FLOOR[@]}" || { echo "bench: node could not run clang" >&2; exit 1; }

plain=() pch=() kit=() nopch=() floor=()
for ((i = 0; i < RUNS; i++)); do
  # Interleave the four so that machine noise hits them alike.
  t=$(date +%s%N); "${CLANG[@]}"; plain+=("$(ms "$t")")
  t=$(date +%s%N); "${CLANG_PCH[@]}"; pch+=("$(ms "$t")")
  t=$(date +%s%N); "${BPFKIT[@]}" >/dev/null; kit+=("$(ms "$t")")
  t=$(date +%s%N); BPFKIT_NO_PCH=1 "${BPFKIT[@]}" >/dev/null; nopch+=("$(ms "$t")")
  t=$(date +%s%N); "${FLOOR[@]}"; floor+=("$(ms "$t")")
done
cmp -s "$T/plain.o" "$T/out/$(basename "${SRC%%.*}").bpf.o" && same=yes ||
  same="no (expected when bpfkit adds BTF markers for the types a program sends)"

report() { # label, base median, base min, runs...
  local label=$1 pm=$2 pmin=$3
  shift 3
  local m n
  m=$(printf '%s\n' "$@" | median)
  n=$(printf '%s\n' "$@" | minimum)
  awk -v l="$label" -v m="$m" -v n="$n" -v pm="$pm" -v pn="$pmin" -v r="$*" 'BEGIN {
    printf "%-26s median %5d ms, min %5d ms   ratio %.2f (%+.0f%%), min ratio %.2f   [%s]\n", l, m, n, m / pm, (m / pm - 1) * 100, n / pn, r }'
}
P=$(printf '%s\n' "${plain[@]}" | median)
Pmin=$(printf '%s\n' "${plain[@]}" | minimum)
Q=$(printf '%s\n' "${pch[@]}" | median)
Qmin=$(printf '%s\n' "${pch[@]}" | minimum)
echo "source:       $SRC${HDR:+ + $(basename "$HDR")}, $RUNS runs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "with the cached PCH (ratios to clang -include-pch):"
report "clang -include-pch" "$Q" "$Qmin" "${pch[@]}"
report "bpfkit build" "$Q" "$Qmin" "${kit[@]}"
echo "without a PCH (ratios to plain clang):"
report "clang" "$P" "$Pmin" "${plain[@]}"
report "bpfkit build (no PCH)" "$P" "$Pmin" "${nopch[@]}"
F=$(printf '%s\n' "${floor[@]}" | median)
Fmin=$(printf '%s\n' "${floor[@]}" | minimum)
echo "the floor for a Node front end (ratios to node + the same clang -include-pch call):"
report "node + clang -include-pch" "$F" "$Fmin" "${floor[@]}"
report "bpfkit build" "$F" "$Fmin" "${kit[@]}"
echo "object identical to plain clang's: $same (target: within 1.3x of the same clang call)"
