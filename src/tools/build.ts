/**
 * Rebuilds the built-in tools' packages from their sources, byte-identically wherever the source
 * tree sits: the sources declare their kernel types (tools/include/tools.bpf.h) instead of using a
 * vmlinux.h of the build machine, and clang maps the tree's absolute path to `.` in the debug info
 * and BTF line info (-ffile-prefix-map), which are the only places a path or the build machine
 * could show. Package files hold no timestamps (package/format.ts). Needs clang, not the kernel.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { build, type BuildResult } from '../build/index.js';
import { BPFKIT_INCLUDE_DIR } from '../build/clang.js';
import { PACKAGE_SUFFIX } from '../package/format.js';
import { TOOLS_DIR } from './package.js';

/** What to rebuild and where. */
export interface ToolBuildOptions {
  /** The directory holding `<name>/<name>.bpf.c` and `include/` (default: the shipped tools/). */
  toolsDir?: string;
  /** Where `<name>/<name>.bpfkit.json` are written (default: toolsDir). */
  outDir?: string;
  /** Tools to build (default: every one the registry knows). */
  names: readonly string[];
  env?: NodeJS.ProcessEnv;
}

/** The clang flags that keep absolute paths out of an object built from `root`. */
export function prefixMapFlags(root: string): string[] {
  const roots = new Set([resolve(root), resolve(BPFKIT_INCLUDE_DIR, '../..')]);
  return [...roots].map((r) => `-ffile-prefix-map=${r}=.`);
}

/** Builds each tool's package; returns the paths written, in `names` order. */
export async function buildToolPackages(opts: ToolBuildOptions): Promise<string[]> {
  const toolsDir = resolve(opts.toolsDir ?? TOOLS_DIR);
  const outDir = resolve(opts.outDir ?? toolsDir);
  const root = dirname(toolsDir);
  const work = mkdtempSync(join(tmpdir(), 'bpfkit-tools-'));
  const written: string[] = [];
  try {
    for (const name of opts.names) {
      const r: BuildResult = await build({
        source: join(toolsDir, name, `${name}.bpf.c`),
        outDir: join(work, name),
        vmlinux: false,
        cflags: prefixMapFlags(root),
        env: opts.env,
      });
      const dest = join(outDir, name, `${name}${PACKAGE_SUFFIX}`);
      mkdirSync(dirname(dest), { recursive: true });
      copyFileSync(r.packagePath, dest);
      written.push(dest);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return written;
}
