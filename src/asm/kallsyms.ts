/**
 * Names call targets of xlated code from the kernel's symbol table, as bpftool does: a helper or
 * kfunc call's immediate is an offset from `__bpf_call_base`, so `base + imm` is the address of the
 * kernel function that runs (often not the helper itself: `htab_map_update_elem`,
 * `bpf_perf_event_output_tp`, ...); a bpf-to-bpf call's immediate indexes the program's JITed
 * symbols (`bpf_prog_<tag>_<name>`). Kernel-independent: the caller passes the text of
 * /proc/kallsyms (readable with addresses only as root, kptr_restrict permitting) and the
 * `jited_ksyms` array of the program's info.
 */
import type { CallResolver, CallSite } from './format.js';

/** A parsed kallsyms table, sorted and searched exactly the way bpftool does it. */
export interface Kallsyms {
  /** Address of `__bpf_call_base`, 0n when absent or hidden. */
  callBase: bigint;
  /** The symbol at exactly `address`, if any. */
  lookup(address: bigint): string | undefined;
}

interface Sym {
  address: bigint;
  /** Low 32 bits of the address: bpftool's comparator truncates address differences to int. */
  lo: number;
  name: string;
}

const MASK64 = (1n << 64n) - 1n;

/**
 * Parses /proc/kallsyms text (`ffffffff8150c150 T bpf_get_current_pid_tgid`, module lines carry a
 * trailing `[module]`). Mirrors bpftool: symbols at address 0 are dropped, reading stops at a zero
 * `__bpf_call_base` (addresses hidden), and lookups use its sort order and binary search so that, of
 * several symbols at one address, the same one is chosen.
 */
export function parseKallsyms(text: string): Kallsyms {
  const syms: Sym[] = [];
  let callBase = 0n;
  for (const line of text.split('\n')) {
    const m = /^\s*([0-9a-fA-F]+)\s+\S\s+(\S+)/.exec(line);
    if (!m) continue;
    const address = BigInt(`0x${m[1]}`);
    if (m[2] === '__bpf_call_base') {
      callBase = address;
      if (address === 0n) break;
    }
    if (address !== 0n) syms.push({ address, lo: Number(address & 0xffffffffn), name: m[2] });
  }
  const sorted = mergeSort(syms);
  return {
    callBase,
    lookup(address: bigint): string | undefined {
      const key = Number(address & 0xffffffffn);
      let l = 0;
      let u = sorted.length;
      while (l < u) {
        const idx = (l + u) >> 1;
        const c = cmp(key, sorted[idx].lo);
        if (c < 0) u = idx;
        else if (c > 0) l = idx + 1;
        else return sorted[idx].name;
      }
      return undefined;
    },
  };
}

/** bpftool compares `(int)(a - b)`, which depends only on the low 32 bits of both addresses. */
function cmp(aLo: number, bLo: number): number {
  return (aLo - bLo) | 0;
}

/** glibc's qsort (a top-down merge sort, left side first on ties), with bpftool's comparator. */
function mergeSort(a: Sym[]): Sym[] {
  const buf = a.slice();
  const tmp = new Array<Sym>(a.length);
  const sort = (lo: number, n: number): void => {
    if (n <= 1) return;
    const n1 = n >> 1;
    const n2 = n - n1;
    sort(lo, n1);
    sort(lo + n1, n2);
    let i = lo;
    let j = lo + n1;
    const iEnd = lo + n1;
    const jEnd = lo + n;
    let k = 0;
    while (i < iEnd && j < jEnd) tmp[k++] = cmp(buf[i].lo, buf[j].lo) <= 0 ? buf[i++] : buf[j++];
    while (i < iEnd) tmp[k++] = buf[i++];
    for (let x = 0; x < k; x++) buf[lo + x] = tmp[x];
  };
  sort(0, buf.length);
  return buf;
}

/** Inputs of kallsymsCallResolver. */
export interface KallsymsResolverInput {
  /** Contents of /proc/kallsyms, or an already parsed table. */
  kallsyms: string | Kallsyms;
  /**
   * The program's `jited_ksyms` (bpf_prog_info): entry addresses of the main program and each
   * subprogram. Absent or empty (not JITed) means bpf-to-bpf calls print as plain `pc+N`.
   */
  jitedKsyms?: readonly bigint[];
}

/**
 * A CallResolver that names call targets of xlated code the way bpftool does: the kallsyms name at
 * `__bpf_call_base + imm` for helpers and kfuncs (`0x<address>` when none is there), and the symbol
 * of `jitedKsyms[imm]` after `pc+N#` for bpf-to-bpf calls.
 */
export function kallsymsCallResolver(input: KallsymsResolverInput): CallResolver {
  const ks = typeof input.kallsyms === 'string' ? parseKallsyms(input.kallsyms) : input.kallsyms;
  const jited = input.jitedKsyms ?? [];
  return (site: CallSite): string | undefined => {
    const imm = site.insn.imm;
    let address = (ks.callBase + BigInt(imm)) & MASK64;
    if (site.kind === 'subprog') {
      if (jited.length === 0) return undefined;
      if (imm >>> 0 < jited.length) address = jited[imm >>> 0];
    }
    return ks.lookup(address) ?? `0x${address.toString(16)}`;
  };
}
