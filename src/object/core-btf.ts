/**
 * A minimal kernel BTF per object (btf/min-core.ts), cached on disk and handed to libbpf as
 * `btf_custom_path`, so that loading an object whose only use of the kernel BTF is CO-RE does not
 * parse the 5 MB /sys/kernel/btf/vmlinux (~40 ms of every start). Relocation results are the same;
 * objects that need the kernel BTF for more than CO-RE (tp_btf, fentry, lsm, iter, typed ksyms) load
 * as before. Cached under `<cache>/core-btf/<kernel BTF sha256>-<object sha256>-<n>.btf`.
 * Reads /sys/kernel/btf/vmlinux on a cache miss; needs nothing else from the kernel.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VMLINUX_BTF_PATH } from '../btf/btf.js';
import { LazyBtf } from '../btf/lazy.js';
import { minimalCoreBtf } from '../btf/min-core.js';
import type { ObjectSpec } from '../spec/object.js';
import { btfHash, cacheDir, isFile, writeAtomic } from '../sys/cache.js';

/** Bumped when minimalCoreBtf keeps different types for the same input. */
const GENERATION = 1;

/** Program types whose load needs the kernel BTF itself (attach by BTF id), not only CO-RE. */
const NEEDS_KERNEL_BTF = new Set(['tracing', 'lsm', 'struct_ops', 'ext']);

/**
 * The minimal kernel BTF file for `spec`'s CO-RE relocations, made and cached when missing; undefined
 * when it would not spare libbpf the kernel BTF, cannot give the same results, or cannot be made
 * (then libbpf reads the kernel BTF as usual). Set BPFKIT_CORE_BTF_CACHE=0 to turn it off.
 */
export function minimalCoreBtfPath(
  spec: ObjectSpec,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (env.BPFKIT_CORE_BTF_CACHE === '0' || !spec.btf || !spec.btfExt?.coreRelo.length) return undefined;
  if (spec.programs.some((p) => NEEDS_KERNEL_BTF.has(p.progType) || p.attach === 'other')) return undefined;
  if (spec.btf.byName('.ksyms', 'datasec').length) return undefined;
  try {
    const dir = join(cacheDir(env), 'core-btf');
    // Without a writable cache every start would make the file again: costlier than libbpf's parse.
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    const kernel = btfHash(VMLINUX_BTF_PATH, dir);
    const objectSha = createHash('sha256').update(spec.bytes).digest('hex');
    const key = join(dir, `${kernel.sha256.slice(0, 32)}-${objectSha.slice(0, 32)}-${GENERATION}`);
    const path = `${key}.btf`;
    // `.none` remembers why an object gets no minimal BTF, so it is not worked out at every start.
    if (isFile(path)) return path;
    if (isFile(`${key}.none`)) return undefined;
    const made = minimalCoreBtf(
      spec.btf,
      spec.btfExt,
      new LazyBtf(kernel.raw ?? readFileSync(VMLINUX_BTF_PATH)),
    );
    if ('skipped' in made) {
      writeAtomic(`${key}.none`, `${made.skipped}\n`);
      return undefined;
    }
    writeAtomic(path, made.btf);
    return path;
  } catch {
    // No kernel BTF, a read-only cache, BTF this cannot follow: libbpf then does what it always does.
    return undefined;
  }
}
