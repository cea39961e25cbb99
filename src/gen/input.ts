/**
 * What `bpfkit gen` generates from: a `.bpf.c` source is built first (src/build, so doc comments
 * and event types come with it; needs clang), a package or eunomia package.json brings its metadata,
 * and a plain `.bpf.o` says only what its BTF says. Never needs the kernel.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTarget } from '../package/load.js';
import type { GenInput } from './module.js';

/** How to build a C source (the options of `bpfkit build`). */
export interface GenSourceOptions {
  /** A header whose structs are the event types (as for `bpfkit build x.bpf.c x.h`). */
  header?: string;
  cflags?: string[];
  btfPath?: string;
  env?: NodeJS.ProcessEnv;
  /** Called with a build step's label when it takes a while. */
  onProgress?: (label: string) => void;
}

/** A GenInput with what a build had to say. */
export interface ReadInput extends GenInput {
  /** clang's warnings, '' when none (C sources only). */
  diagnostics: string;
  /** Problems that did not stop the build. */
  warnings: string[];
}

/** Reads (or builds) what `source` names; throws BpfkitError/FormatError/CompileError in one line. */
export async function readGenInput(source: string, opts: GenSourceOptions = {}): Promise<ReadInput> {
  if (/\.c$/.test(source)) {
    const { build } = await import('../build/index.js');
    // The build writes an object and a package; here only their contents matter.
    const dir = mkdtempSync(join(tmpdir(), 'bpfkit-gen-'));
    try {
      const r = await build({ source, outDir: dir, ...opts });
      return { object: r.object, meta: r.meta, source, diagnostics: r.diagnostics, warnings: r.warnings };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const t = await loadTarget(source);
  return { object: t.object, meta: t.meta, source, diagnostics: '', warnings: [] };
}
