/**
 * The generated vmlinux.h and its precompiled form, cached per kernel BTF.
 *
 * The header is produced by our own BTF-to-C dumper (formatC, src/btf/format-c.ts) from the running
 * kernel's BTF (/sys/kernel/btf/vmlinux, or $BPFKIT_BTF / --btf) and stored under
 * `$XDG_CACHE_HOME/bpfkit/vmlinux/<sha256 of the BTF>-<bpfkit version>-<n>/vmlinux.h` (~/.cache when
 * XDG_CACHE_HOME is unset). The key is the content itself, so a new kernel always gets a new header;
 * a small `stat-<key>` file remembers the hash for the BTF file's device/inode/size/mtime, so a
 * cached build neither reads nor parses the BTF.
 *
 * Beside it, a clang precompiled header (`vmlinux.h.<clang+flags key>.pch`) makes the doc-comment AST
 * dump cheap: `-ast-dump` does not print declarations that come from a PCH, so the dump holds the
 * program's own declarations (~1 MB) instead of all of vmlinux.h (~180 MB, 2 s). The compile uses it
 * too when that cannot change the result (see canCompileWithPch in index.ts): parsing 130,000 lines
 * of vmlinux.h is most of a BPF compile, and the object comes out byte-identical.
 */
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { btfHash, cacheDir, isFile, isPrivateFile, writeAtomic, type BtfHash } from '../sys/cache.js';
import { VMLINUX_BTF_PATH } from '../btf/btf.js';
import { MissingDependencyError, PermissionError } from '../errors/index.js';
import { baseFlags, runClang, type Clang } from './clang.js';

/** Bumped when the generated header changes for the same BTF (a dumper fix). */
const HEADER_GENERATION = 2;


/** A usable vmlinux.h. */
export interface VmlinuxHeader {
  /** Directory to put on the include path. */
  dir: string;
  /** The header file itself. */
  header: string;
  /** sha256 of the kernel BTF it was generated from. */
  btfSha256: string;
  /** Whether this call generated it (false: it came from the cache). */
  generated: boolean;
}

/**
 * Returns the cached vmlinux.h for the kernel BTF at `btfPath` (default $BPFKIT_BTF, else
 * /sys/kernel/btf/vmlinux), generating it first when missing; `onGenerate` is called before the slow
 * path. Throws MissingDependencyError when the BTF is unreadable.
 */
export async function ensureVmlinuxHeader(opts: {
  btfPath?: string;
  version: string;
  env?: NodeJS.ProcessEnv;
  onGenerate?: () => void;
}): Promise<VmlinuxHeader> {
  const env = opts.env ?? process.env;
  const btfPath = opts.btfPath ?? env.BPFKIT_BTF ?? VMLINUX_BTF_PATH;
  const root = join(cacheDir(env), 'vmlinux');
  const where = (sha: string): { dir: string; header: string } => {
    const dir = join(root, `${sha.slice(0, 32)}-${opts.version}-${HEADER_GENERATION}`);
    return { dir, header: join(dir, 'vmlinux.h') };
  };
  let hash: BtfHash;
  try {
    hash = btfHash(btfPath, root);
  } catch (e) {
    throw unreadable(btfPath, e);
  }
  const sha = hash.sha256;
  const { dir, header } = where(sha);
  if (isFile(header)) {
    if (!isPrivateFile(header)) throw untrusted(dir);
    return { dir, header, btfSha256: sha, generated: false };
  }
  let raw: Buffer;
  try {
    raw = hash.raw ?? readFileSync(btfPath);
  } catch (e) {
    throw unreadable(btfPath, e);
  }

  opts.onGenerate?.();
  // Imported here: only a cache miss pays for the dumper. The raw-table path skips the Btf object model.
  const [{ formatCBytes }, { BtfTable }] = await Promise.all([
    import('../btf/format-c.js'),
    import('../btf/format-c-table.js'),
  ]);
  const text = formatCBytes(BtfTable.fromBytes(raw));
  // Explicit modes: under a umask of 002 the defaults would be group-writable, and then refused.
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  writeAtomic(header, text, 0o644);
  return { dir, header, btfSha256: sha, generated: true };
}

/** A cache others could have written to: what it holds is compiled into programs loaded as root. */
function untrusted(dir: string): PermissionError {
  return new PermissionError(
    `${dir} can be changed by another user, so its vmlinux.h is not used: make it yours and not group- or world-writable (chown, chmod go-w), or set XDG_CACHE_HOME`,
  );
}

function unreadable(btfPath: string, e: unknown): MissingDependencyError {
  return new MissingDependencyError(
    btfPath === VMLINUX_BTF_PATH
      ? `${VMLINUX_BTF_PATH} is missing, so vmlinux.h cannot be generated: this kernel was built without CONFIG_DEBUG_INFO_BTF; pass --btf <file> with this kernel's BTF`
      : `cannot read BTF file ${btfPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
  );
}


/**
 * The precompiled vmlinux.h for `clang` and `flags`, building it when missing (about a second, once
 * per kernel and clang). Returns undefined when clang cannot precompile it; callers then dump the AST
 * without it.
 */
export async function ensurePch(clang: Clang, vm: VmlinuxHeader): Promise<string | undefined> {
  const flags = baseFlags();
  const pch = pchPath(clang, vm);
  if (isFile(pch)) return isPrivateFile(pch) ? pch : undefined;
  const tmp = `${pch}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const r = await runClang(clang, [...flags, '-x', 'c-header', vm.header, '-o', tmp]);
  if (r.code !== 0) {
    rmSync(tmp, { force: true });
    return undefined;
  }
  chmodSync(tmp, 0o644);
  renameSync(tmp, pch);
  return pch;
}

/** Where the precompiled vmlinux.h for `clang` lives (it may not exist yet). */
export function pchPath(clang: Clang, vm: VmlinuxHeader): string {
  const key = createHash('sha256')
    .update(`${clang.identity}\0${baseFlags().join('\0')}`)
    .digest('hex')
    .slice(0, 16);
  return join(vm.dir, `vmlinux.h.${key}.pch`);
}


