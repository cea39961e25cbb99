/**
 * Names of BPF helper functions by id (`bpf_map_lookup_elem` for 1, ...), taken from a BTF's
 * `enum bpf_func_id` rather than a table compiled into bpfkit, so new kernels' helpers get their names.
 * Kernel-independent given a Btf; `kernelHelperNames()` reads the running kernel's BTF file.
 */
import { BpfkitError } from '../errors/index.js';
import { readFileSync } from 'node:fs';
import { scanEnum } from '../btf/scan.js';
import { VMLINUX_BTF_PATH, type Btf } from '../btf/btf.js';

/** Helper names indexed by helper id; a hole means "no name known". */
export type HelperNames = ReadonlyArray<string | undefined>;

const PREFIX = 'BPF_FUNC_';

/**
 * Helper names from `btf`'s `enum bpf_func_id`: `BPF_FUNC_map_lookup_elem = 1` becomes
 * `bpf_map_lookup_elem` at index 1 (`bpf_unspec` at 0). Returns an empty table when the enum is absent.
 */
export function helperNamesFromBtf(btf: Btf): string[] {
  for (const t of btf.byName('bpf_func_id'))
    if (t.kind === 'enum' || t.kind === 'enum64') return namesOf(t.values);
  return [];
}

function namesOf(values: readonly { name: string; value: bigint }[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (!v.name.startsWith(PREFIX) || v.value < 0n || v.value > 0xffffn) continue;
    out[Number(v.value)] = `bpf_${v.name.slice(PREFIX.length)}`;
  }
  return out;
}

let kernelNames: string[] | undefined;

/**
 * Helper names of the running kernel (from /sys/kernel/btf/vmlinux or $BPFKIT_BTF), read with a scan
 * of the raw BTF for the one enum rather than a full parse.
 * Returns an empty table instead of throwing when no kernel BTF is available, so disassembly still
 * works (helpers then print as `unknown#N`). Cached.
 */
export function kernelHelperNames(): HelperNames {
  if (kernelNames) return kernelNames;
  try {
    const raw = readFileSync(process.env.BPFKIT_BTF ?? VMLINUX_BTF_PATH);
    kernelNames = namesOf(scanEnum(raw, 'bpf_func_id') ?? []);
  } catch (e) {
    if (!(e instanceof BpfkitError) && !(e as NodeJS.ErrnoException).code) throw e;
    kernelNames = [];
  }
  return kernelNames;
}
