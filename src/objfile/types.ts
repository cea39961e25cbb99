/**
 * The shape of an inspect report: what a compiled BPF object holds, in the terms a user needs. Plain
 * data (JSON-ready once bigints are written as numbers, see btf/decode.ts toJson); no kernel involved.
 */
import type { Decoded } from '../btf/decode.js';

/** One ELF section as readelf lists it, with what it holds in words. */
export interface SectionReport {
  index: number;
  name: string;
  /** ELF section type name (PROGBITS, NOBITS, REL, …) or its number in hex. */
  type: string;
  size: number;
  /** readelf's flag letters (W write, A alloc, X execute, M merge, S strings, I info, E exclude, …). */
  flags: string;
  /** What the section holds, e.g. `program kill_entry`, `relocations of [3]`, `BTF types`. */
  holds: string;
}

/** A helper call site summary: the helper's id and its name ('' when the kernel BTF does not name it). */
export interface HelperUse {
  id: number;
  name: string;
}

/** One CO-RE relocation of a function, decoded from .BTF.ext. */
export interface CoreReloReport {
  /** Instruction (slot) index within the section, as the disassembly numbers it. */
  insn: number;
  /** libbpf's name of the relocation kind (field_byte_offset, type_exists, …) or `kind#N`. */
  kind: string;
  /** BTF id of the root type in the object's BTF. */
  typeId: number;
  /** C spelling of the root type, e.g. `struct task_struct`. */
  type: string;
  /** The raw access string, e.g. `0:2:1`. */
  access: string;
  /** What is accessed, e.g. `struct task_struct.real_parent` or `enum e::VALUE`. */
  spec: string;
}

/** What a function's instructions use; names in order of first use. */
export interface CodeUse {
  /** bpf-to-bpf calls (and callbacks passed by address), by callee name. */
  calls: string[];
  /** Helpers called. */
  helpers: HelperUse[];
  /** Kernel functions (kfuncs) called. */
  kfuncs: string[];
  /** Maps referenced (BTF-defined maps by name, global data by section, e.g. `.rodata`). */
  maps: string[];
  /** Globals referenced, by name. */
  globals: string[];
  /** Externs referenced (kconfig values, ksyms). */
  externs: string[];
}

/** A function of the object's code: a program (entry point) or a subprogram it calls. */
export interface FunctionReport extends CodeUse {
  name: string;
  section: string;
  /** First instruction slot within the section. */
  insnOffset: number;
  /** Number of instruction slots (8 bytes each). */
  insns: number;
  coreRelocations: CoreReloReport[];
  /** Disassembly with source lines (only with the `disasm` option). */
  disasm?: string;
}

/** A program: an entry point the kernel loads and attaches. */
export interface ProgramReport extends FunctionReport {
  /** Program type as bpftool names it (tracepoint, raw_tracepoint, tracing, kprobe, …). */
  type: string;
  /** How it attaches (tracepoint, uprobe, perf_event, …; `other` when the section says nothing known). */
  attach: string;
  /** What it attaches to, from the section name (e.g. `syscalls/sys_enter_kill`), '' when nothing. */
  target: string;
}

/** A subprogram: a function only called by programs (static, or global in .text). */
export interface SubprogramReport extends FunctionReport {
  linkage: 'static' | 'global' | 'weak';
}

/** A map as declared in the object. */
export interface MapReport {
  name: string;
  /** bpftool's map type name (hash, ringbuf, array, …). */
  type: string;
  keySize: number;
  valueSize: number;
  /** C spelling of the key and value types from BTF, '' when the map does not declare them. */
  keyType: string;
  valueType: string;
  maxEntries: number;
  flags: number;
  /** Defining ELF section (`.maps` or a global data section). */
  section: string;
}

/** A global variable with its initial value. */
export interface GlobalReport {
  name: string;
  section: string;
  offset: number;
  size: number;
  /** C spelling of its type, e.g. `const volatile __u32`. */
  type: string;
  /** Whether it is read-only once loaded (`const volatile` in .rodata). */
  readonly: boolean;
  /**
   * Initial value decoded through BTF (see btf/decode.ts for the mapping); null for globals larger
   * than MAX_SHOWN_VALUE bytes, whose value a report would drown in.
   */
  value: Decoded | null;
  /** Whether every initial byte is zero. */
  zero: boolean;
}

/** What the object's BTF and .BTF.ext hold. */
export interface BtfReport {
  /** Size of the .BTF section. */
  size: number;
  /** Number of types, void excluded. */
  types: number;
  /** Number of types of each kind present, in BTF kind order. */
  kinds: Record<string, number>;
  /** Size of the string table. */
  stringBytes: number;
  /** .BTF.ext contents, when the section is there. */
  ext?: {
    size: number;
    funcInfo: number;
    lineInfo: number;
    coreRelocations: number;
    /** Source files named by line info. */
    sources: string[];
  };
}

/** Everything `bpfkit inspect` reports about one object. */
export interface InspectReport {
  /** What the user named (path, URL or `-`). */
  source: string;
  /** `object` for a plain .bpf.o, `package` for the object inside a bpfkit or eunomia package. */
  kind: 'object' | 'package';
  /** The package's name and description when it came from a package. */
  package?: { name: string; description?: string; version?: string };
  /** Size of the object in bytes. */
  size: number;
  license: string;
  sections: SectionReport[];
  programs: ProgramReport[];
  subprograms: SubprogramReport[];
  maps: MapReport[];
  globals: GlobalReport[];
  /** Absent when the object has no .BTF section. */
  btf?: BtfReport;
}
