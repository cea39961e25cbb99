#!/usr/bin/env bash
# Installs what bpfkit needs on a Debian machine (run as root), then builds it.
# Idempotent: a package already present is not installed again.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v clang >/dev/null || need+=(clang)
command -v llvm-strip >/dev/null || need+=(llvm)
[ -e /usr/include/bpf/bpf_helpers.h ] || need+=(libbpf-dev)
ldconfig -p | grep -q 'libbpf.so.1 ' || need+=(libbpf1)
[ -n "${BPFKIT_NO_PEERS:-}" ] || {
  command -v bpftool >/dev/null || need+=(bpftool)
  command -v bpftrace >/dev/null || need+=(bpftrace)
  [ -x /usr/sbin/opensnoop ] || need+=(libbpf-tools)
  command -v prometheus >/dev/null || need+=(prometheus)
}
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
# By the lock file's content, not its mtime: a fresh checkout (or a git worktree sharing an
# installed node_modules) has a newer lock file with the same dependencies.
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules ] || [ "$(cat node_modules/.bpfkit-lock 2>/dev/null)" != "$lock_sum" ]; then
  npm ci --no-audit --no-fund >&2
  echo "$lock_sum" >node_modules/.bpfkit-lock
fi
# Rebuild only when a source file is newer than the build (tsc takes ~10 s).
if [ ! -f dist/cli/bin.cjs ] || [ -n "$(find src package.json tsconfig.json -newer dist/cli/bin.cjs -print -quit)" ]; then
  npm run --silent build >&2
fi
