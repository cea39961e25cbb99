#!/usr/bin/env bash
# The test command: set up the machine, lint, type-check, then run every test (kernel tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "$(id -u)" != 0 ]; then
  echo "test: the kernel tests need root; run as root (sudo npm test)" >&2
  exit 1
fi
npm run --silent lint
npx tsc -p tsconfig.test.json
# Every public export documented: TypeDoc treats a warning as an error (typedoc.json).
npx typedoc --logLevel Warn
mapfile -t files < <(find test src -name '*.test.ts' | sort)
node --import tsx --test --test-concurrency=1 --test-timeout=180000 "${files[@]}"
