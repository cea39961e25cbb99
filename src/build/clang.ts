/**
 * Finding and running clang for BPF: the flags every bpfkit compile uses, the include path (generated
 * vmlinux.h, bpf/include with bpfkit.h and the libbpf compat headers, libbpf's headers under
 * /usr/include/bpf, the host's multiarch headers), and a child-process runner that collects clang's diagnostics. Needs no kernel.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MissingDependencyError } from '../errors/index.js';

/** The flags of every BPF compile (without the arch define; see `baseFlags`). */
export const BPF_FLAGS = ['-g', '-O2', '-target', 'bpf'] as const;

/** Where bpfkit.h lives: bpf/include at the package root (two levels up from src/build or dist/build). */
export const BPFKIT_INCLUDE_DIR = fileURLToPath(new URL('../../bpf/include', import.meta.url));

const TARGET_ARCH: Record<string, string> = {
  x64: 'x86',
  arm64: 'arm64',
  arm: 'arm',
  ppc64: 'powerpc',
  s390x: 's390',
  riscv64: 'riscv',
  mips: 'mips',
  mipsel: 'mips',
  loong64: 'loongarch',
};

const MULTIARCH: Record<string, string> = {
  x64: 'x86_64-linux-gnu',
  arm64: 'aarch64-linux-gnu',
  ppc64: 'powerpc64le-linux-gnu',
  s390x: 's390x-linux-gnu',
  riscv64: 'riscv64-linux-gnu',
};

/** `-g -O2 -target bpf -D__TARGET_ARCH_<arch>` for the host (bpf_tracing.h's PT_REGS macros need it). */
export function baseFlags(): string[] {
  return [...BPF_FLAGS, `-D__TARGET_ARCH_${TARGET_ARCH[process.arch] ?? 'x86'}`];
}

/**
 * The include flags: `-I<vmlinux dir>` (when a generated vmlinux.h is available), `-I bpf/include`,
 * then the host's multiarch directory with -idirafter: `-target bpf` drops it from clang's defaults,
 * and <linux/types.h> needs <asm/types.h> from there. /usr/include itself (for libbpf's headers)
 * stays on clang's default path, after bpf/include: there <bpf/bpf_helpers.h> and
 * <bpf/bpf_tracing.h> include the system's and add what newer libbpf releases define
 * (bpf/include/bpfkit_compat.h). A source's own -I flags come first and win.
 */
export function includeFlags(vmlinuxDir?: string): string[] {
  const out: string[] = [];
  if (vmlinuxDir) out.push('-I', vmlinuxDir);
  out.push('-I', BPFKIT_INCLUDE_DIR);
  const multi = MULTIARCH[process.arch];
  if (multi && existsSync(`/usr/include/${multi}`)) out.push('-idirafter', `/usr/include/${multi}`);
  return out;
}

/** A clang executable. */
export interface Clang {
  path: string;
  /** Identifies this exact binary (real path, size, mtime) for cache keys, without running it. */
  identity: string;
}

/**
 * Finds clang: $BPFKIT_CLANG, else `clang` on PATH, else the newest `clang-N` on PATH. Throws
 * MissingDependencyError with the install command when there is none.
 */
export function findClang(env: NodeJS.ProcessEnv = process.env): Clang {
  const explicit = env.BPFKIT_CLANG;
  if (explicit) {
    if (!isExecutable(explicit))
      throw new MissingDependencyError(`BPFKIT_CLANG=${explicit} is not an executable file`);
    return clangAt(explicit);
  }
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  const names = ['clang', ...Array.from({ length: 13 }, (_, i) => `clang-${22 - i}`)];
  for (const name of names) {
    for (const dir of dirs) {
      const p = join(dir, name);
      if (isExecutable(p)) return clangAt(p);
    }
  }
  throw new MissingDependencyError(
    'clang is not installed (or not on PATH): install it with `apt-get install clang` (or set BPFKIT_CLANG to its path)',
  );
}

function clangAt(path: string): Clang {
  const real = realpathSync(path);
  const st = statSync(real);
  return { path, identity: `${real}:${st.size}:${st.mtimeMs}` };
}

function isExecutable(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** What a clang run produced. */
export interface ClangResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/**
 * Runs clang with `args`, collecting stdout and stderr. `signal` kills it (the promise then rejects
 * with an AbortError). stdout is kept only when `wantStdout` (AST dumps are large).
 */
export function runClang(
  clang: Clang,
  args: string[],
  opts: { signal?: AbortSignal; wantStdout?: boolean } = {},
): Promise<ClangResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(clang.path, args, {
      stdio: ['ignore', opts.wantStdout ? 'pipe' : 'ignore', 'pipe'],
      signal: opts.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT')
        reject(new MissingDependencyError(`cannot run ${clang.path}: install clang with \`apt-get install clang\``));
      else reject(e);
    });
    child.on('close', (code, sig) => {
      resolve({
        code: code ?? (sig ? 128 : 1),
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}
