/**
 * The kfuncs of a BTF, for the C dumper: kernel functions BPF programs may call, which the kernel
 * marks with a `bpf_kfunc` DECL_TAG on their FUNC (Linux 6.x, pahole 1.25+). The dumper declares them
 * as `extern` prototypes at the end of vmlinux.h, as newer bpftool does, so programs can call them
 * without declaring them. Kernel-independent: BTF without such tags has no kfuncs.
 */
import { K, type BtfTable } from './format-c-table.js';
import { nameIs } from './format-c-tokens.js';

/** The DECL_TAG value that marks a kfunc, with its terminating NUL. */
const KFUNC_TAG = Uint8Array.from('bpf_kfunc\0', (c) => c.charCodeAt(0));

/** Macro that leaves the kfunc prototypes out (bpftool's name, so sources written for it work). */
export const NO_KFUNC_PROTOTYPES = 'BPF_NO_KFUNC_PROTOTYPES';

/**
 * Attributes of each prototype: weak, so `bpf_ksym_exists()` works and a kfunc the running kernel
 * lacks only fails the programs that call it; in `.ksyms`, where libbpf looks for kernel symbols.
 * Spelled out rather than through libbpf's `__weak`/`__ksym`, which are not defined yet when
 * vmlinux.h comes first.
 */
export const KFUNC_ATTRS = ' __attribute__((weak)) __attribute__((section(".ksyms")))';

/**
 * Ids of the FUNCs tagged `bpf_kfunc` as a whole (not one of their parameters), in id order, each
 * name once (the first FUNC of a name wins).
 */
export function kfuncIds(t: BtfTable): number[] {
  const { kinds, u32, start, strBytes } = t;
  const found = new Set<number>();
  for (let id = 1; id < t.count; id++) {
    if (kinds[id] !== K.DECL_TAG) continue;
    const at = start[id];
    // component_idx -1 (the whole declaration), and a FUNC target.
    if (u32[at + 3] !== 0xffffffff || kinds[u32[at + 2]] !== K.FUNC) continue;
    if (nameIs(strBytes, u32[at], KFUNC_TAG)) found.add(u32[at + 2]);
  }
  const names = new Set<string>();
  const out: number[] = [];
  for (const id of [...found].sort((a, b) => a - b)) {
    const name = t.name(id);
    if (!name || names.has(name)) continue;
    names.add(name);
    out.push(id);
  }
  return out;
}
