/**
 * Program types for sections the installed libbpf does not know: libbpf 1.1 types "tc" and "xdp" by
 * section but not libbpf 1.3's "tcx/ingress" or "tc/egress", and refuses to load a program it could
 * not type. bpfkit's section table (spec/sections.ts) knows them, so it sets the type before load.
 */
import { libbpf, type BpfProgramPtr } from '../sys/libbpf.js';
import type { ProgramSpec } from '../spec/object.js';

/** enum bpf_prog_type values, by the names sectionInfo gives. */
const PROG_TYPE: Record<string, number> = { sched_cls: 3, xdp: 6 };

/**
 * Sets the type of each program libbpf left untyped (BPF_PROG_TYPE_UNSPEC) where bpfkit knows it;
 * `ptrs` holds libbpf's programs by name.
 */
export function assignProgramTypes(programs: ProgramSpec[], ptrs: Map<string, BpfProgramPtr>): void {
  const lib = libbpf();
  for (const spec of programs) {
    const ptr = ptrs.get(spec.name);
    const type = PROG_TYPE[spec.progType];
    if (ptr && type !== undefined && lib.programType(ptr) === 0) lib.setType(ptr, type);
  }
}
