/**
 * Reads what profile's BPF side counted: `counts` (process, user and kernel stack ids, comm →
 * samples) and `stackmap` (stack id → return addresses), symbolized with the kernel's kallsyms and
 * each process's mapped ELF files. Needs the loaded object (root).
 */
import type { ObjectMap } from '../object/collection.js';
import type { KernelSymbols } from '../symbols/kallsyms.js';
import type { UserSymbolizer } from '../symbols/process-maps.js';
import type { CountedStack, Frame, StackSide } from './stacks.js';

/** bpf_get_stackid's error when a side has no frames (a kernel thread's user stack). */
const EFAULT = 14;
/** The id the BPF side stores for a side it was told not to collect. */
const NOT_COLLECTED = -1;

/** The maps and symbolizers to read stacks with. */
export interface StackSources {
  counts: ObjectMap;
  stackmap: ObjectMap;
  kernel: KernelSymbols | undefined;
  user: UserSymbolizer;
}

/** The process ids in `counts` so far (to read their maps while they still run). */
export function countedPids(counts: ObjectMap): Set<number> {
  const pids = new Set<number>();
  for (const k of counts.keyBytes()) pids.add(new DataView(k.buffer, k.byteOffset).getUint32(0, true));
  return pids;
}

/**
 * Every counted stack, most samples first, and how many sides were lost to stack map collisions or
 * a full map (printed as `[Missed … Stack]`).
 */
export function readStacks(src: StackSources): { stacks: CountedStack[]; missed: number } {
  let missed = 0;
  const stacks: CountedStack[] = [];
  for (const [k, v] of src.counts.entryBytes()) {
    const key = new DataView(k.buffer, k.byteOffset, k.byteLength);
    const pid = key.getUint32(0, true);
    const side = (id: number, frame: (a: bigint) => Frame): StackSide => {
      if (id === NOT_COLLECTED || id === -EFAULT) return { kind: 'none' };
      const addresses = id >= 0 ? stackAddresses(src.stackmap, id) : undefined;
      if (!addresses) {
        missed++;
        return { kind: 'missed' };
      }
      return { kind: 'frames', frames: addresses.map(frame) };
    };
    stacks.push({
      pid,
      comm: Buffer.from(k.subarray(12, 28)).toString('latin1').replace(/\0.*$/s, ''),
      user: side(key.getInt32(4, true), (a) => userFrame(src.user, pid, a)),
      kernel: side(key.getInt32(8, true), (a) => kernelFrame(src.kernel, a)),
      count: new DataView(v.buffer, v.byteOffset).getBigUint64(0, true),
    });
  }
  stacks.sort((a, b) => (a.count > b.count ? -1 : a.count < b.count ? 1 : 0));
  return { stacks, missed };
}

/** The return addresses of stack `id`, innermost first, or undefined when the map no longer has it. */
function stackAddresses(stackmap: ObjectMap, id: number): bigint[] | undefined {
  const v = stackmap.lookupBytes(new Uint8Array(new Uint32Array([id]).buffer));
  if (!v) return undefined;
  const view = new DataView(v.buffer, v.byteOffset, v.byteLength);
  const out: bigint[] = [];
  for (let o = 0; o + 8 <= v.length; o += 8) {
    const a = view.getBigUint64(o, true);
    if (a === 0n) break;
    out.push(a);
  }
  return out;
}

function kernelFrame(syms: KernelSymbols | undefined, address: bigint): Frame {
  const hit = syms?.lookup(address);
  return hit ? { address, name: hit.name, offset: hit.offset, module: hit.module } : { address };
}

function userFrame(syms: UserSymbolizer, pid: number, address: bigint): Frame {
  const hit = syms.lookup(pid, address);
  const f: Frame = { address };
  if (hit.name !== undefined) Object.assign(f, { name: hit.name, offset: hit.offset });
  if (hit.dso !== undefined) Object.assign(f, { module: hit.dso, moduleOffset: hit.dsoOffset });
  return f;
}
