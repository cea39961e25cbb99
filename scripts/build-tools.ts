/**
 * Rebuilds the built-in tools' packages (tools/<name>/<name>.bpfkit.json) from their sources.
 * `--check` rebuilds into a temporary directory instead and fails when any package differs from the
 * committed one (what CI runs). Needs clang.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildToolPackages } from '../src/tools/build.js';
import { TOOL_NAMES } from '../src/tools/registry.js';
import { TOOLS_DIR, toolPackagePath } from '../src/tools/package.js';

const check = process.argv.includes('--check');
const outDir = check ? mkdtempSync(join(tmpdir(), 'bpfkit-tools-check-')) : TOOLS_DIR;
try {
  const written = await buildToolPackages({ names: TOOL_NAMES, outDir });
  let stale = 0;
  for (const [i, name] of TOOL_NAMES.entries()) {
    if (!check) {
      process.stdout.write(`wrote ${relative(process.cwd(), written[i])}\n`);
      continue;
    }
    const committed = toolPackagePath(name);
    let same = false;
    try {
      same = readFileSync(committed).equals(readFileSync(written[i]));
    } catch {
      same = false;
    }
    if (!same) stale++;
    process.stdout.write(`${same ? 'same' : 'DIFFERS'} ${relative(process.cwd(), committed)}\n`);
  }
  if (stale) {
    process.stderr.write(
      `build-tools: ${stale} package(s) differ from their sources: run scripts/build-tools.sh\n`,
    );
    process.exitCode = 1;
  }
} finally {
  if (check) rmSync(outDir, { recursive: true, force: true });
}
