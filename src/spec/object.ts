/**
 * `ObjectSpec`: everything a compiled BPF object says about itself, read from its ELF and BTF without
 * the kernel — programs, maps, global variables with their initial values, license, and event types.
 * The kernel layer (object/) loads what this describes.
 */
import { ElfFile, EM_BPF, SHF, SHT, STB, STT, type ElfSection } from '../elf/reader.js';
import { Btf } from '../btf/btf.js';
import { parseBtfExt, type BtfExt } from '../btf/ext.js';
import type { BtfDatasec, BtfType } from '../btf/types.js';
import { FormatError } from '../errors/index.js';
import { sectionInfo, type SectionInfo } from './sections.js';
import { checkBtfReferences, checkDataSectionSize } from './validate.js';
import { DataImages } from './globals.js';
import type { Encodable } from '../btf/encode.js';

/** A program as compiled: name, ELF section, what it attaches to and its size. */
export interface ProgramSpec extends SectionInfo {
  /** Function name of the program in the object (and in the kernel, cut to 15 characters). */
  name: string;
  /** ELF section it is in, e.g. "tracepoint/syscalls/sys_enter_openat". */
  section: string;
  /** Offset of its first instruction within the section, in instructions. */
  insnOffset: number;
  /** Number of 8-byte instruction slots. */
  insnCount: number;
}

/** BPF map type numbers (include/uapi/linux/bpf.h), by bpftool's names. */
export const MAP_TYPES = [
  'unspec',
  'hash',
  'array',
  'prog_array',
  'perf_event_array',
  'percpu_hash',
  'percpu_array',
  'stack_trace',
  'cgroup_array',
  'lru_hash',
  'lru_percpu_hash',
  'lpm_trie',
  'array_of_maps',
  'hash_of_maps',
  'devmap',
  'sockmap',
  'cpumap',
  'xskmap',
  'sockhash',
  'cgroup_storage',
  'reuseport_sockarray',
  'percpu_cgroup_storage',
  'queue',
  'stack',
  'sk_storage',
  'devmap_hash',
  'struct_ops',
  'ringbuf',
  'inode_storage',
  'task_storage',
  'bloom_filter',
  'user_ringbuf',
  'cgrp_storage',
  'arena',
] as const;

/** A map declared in the object (BTF-style `.maps` definitions, or a global data section). */
export interface MapSpec {
  /** Map name as the source declares it (a data section's maps are named after the section: ".bss", ".rodata"). */
  name: string;
  /** Numeric map type and its name (see MAP_TYPES). */
  type: number;
  /** Map type by bpftool's name: 'hash', 'percpu_array', 'ringbuf', … */
  typeName: string;
  /** Key size in bytes. */
  keySize: number;
  /** Value size in bytes (one CPU's value for per-CPU maps). */
  valueSize: number;
  /** Declared max_entries (a ring buffer's size in bytes); 0 when the source leaves it to user space. */
  maxEntries: number;
  /** BPF_F_* map flags as declared (map_flags). */
  flags: number;
  /** BTF ids of key and value types when declared with `__type(key, …)`, else 0. */
  keyType: number;
  /** BTF id of the value type (see keyType), else 0. */
  valueType: number;
  /** ELF section that defines it ('.maps', '.rodata', '.bss', …). */
  section: string;
}

/** A global variable in .rodata/.data/.bss (or a custom .data.X or .rodata.X section). */
export interface GlobalSpec {
  /** Variable name in the source. */
  name: string;
  /** Data section holding it: ".rodata", ".data", ".bss" or a custom ".data.X"/".rodata.X". */
  section: string;
  /** BTF type id of the variable's type (not the VAR). */
  type: number;
  /** Byte offset of the variable in its section. */
  offset: number;
  /** Size of the variable in bytes. */
  size: number;
  /** `const volatile` globals live in .rodata and can only be set before load. */
  readonly: boolean;
  /** Initial bytes from the object (zeros for .bss). */
  initial: Uint8Array;
}

/**
 * A parsed BPF object file, and the values its globals will be loaded with (setGlobal): load it with
 * `load(spec)` (object/load.ts). Reading and setting need no kernel and no privileges.
 */
export class ObjectSpec {
  /** The parsed ELF file (sections, symbols, relocations). */
  readonly elf: ElfFile;
  /** The object's BTF (.BTF section), when it has one: types of maps, globals and events. */
  readonly btf?: Btf;
  /** The .BTF.ext section: line info, function info and CO-RE relocations, when present. */
  readonly btfExt?: BtfExt;
  /** Programs in ELF order (subprograms excluded). */
  readonly programs: ProgramSpec[];
  /** Maps of the `.maps` section, then one per global data section. */
  readonly maps: MapSpec[];
  /** Global variables of the data sections, with their initial values. */
  readonly globals: GlobalSpec[];
  /** The license string of the `license` section ("GPL", …); '' when absent. GPL-only helpers need a GPL-compatible one. */
  readonly license: string;
  private images?: DataImages;

  /** Parses an object; throws FormatError with a one-line reason when it is not a usable BPF object. */
  constructor(data: Uint8Array) {
    try {
      this.elf = new ElfFile(data);
    } catch (e) {
      throw asFormatError(e, 'not a valid ELF file');
    }
    if (this.elf.machine !== EM_BPF) {
      throw new FormatError(`not a BPF object (ELF machine ${this.elf.machine}, expected ${EM_BPF} for BPF)`);
    }
    try {
      const btfSec = this.elf.section('.BTF');
      if (btfSec) {
        this.btf = new Btf(this.elf.sectionData(btfSec));
        checkBtfReferences(this.btf);
      }
      const extSec = this.elf.section('.BTF.ext');
      if (extSec && this.btf) this.btfExt = parseBtfExt(this.elf.sectionData(extSec));
      this.programs = this.readPrograms();
      this.maps = this.readMaps();
      this.globals = this.readGlobals();
      const lic = this.elf.section('license');
      this.license = lic
        ? Buffer.from(this.elf.sectionData(lic)).toString('latin1').replace(/\0.*$/s, '')
        : '';
    } catch (e) {
      throw asFormatError(e, 'malformed BPF object');
    }
    if (this.programs.length === 0) throw new FormatError('the object holds no BPF programs');
  }

  /** The object's bytes, as parsed (what the loader hands libbpf). */
  get bytes(): Uint8Array {
    return this.elf.data;
  }

  /**
   * Sets global `name` to `value` for the load, checked against its BTF type: integers with range
   * checks (strings of digits too), bools, enums by name or value, char arrays from strings, arrays,
   * structs by field. Throws NotFoundError for an unknown global, BadValueError for a value that
   * does not fit (naming it `label`, by default the global's name). No kernel needed.
   */
  setGlobal(name: string, value: Encodable, label?: string): void {
    this.data().set(name, value, label);
  }

  /** The bytes global `name` will be loaded with (its initial value until setGlobal changes it). */
  globalBytes(name: string): Uint8Array | undefined {
    return this.data().bytes(name);
  }

  /** The data-section images (.rodata, .data, .bss, …) as they will be loaded, by section name. */
  dataImages(): ReadonlyMap<string, Uint8Array> {
    return this.data().sections;
  }

  private data(): DataImages {
    this.images ??= new DataImages(this.elf, this.globals, this.btf);
    return this.images;
  }

  /** The program called `name`. */
  program(name: string): ProgramSpec | undefined {
    return this.programs.find((p) => p.name === name);
  }

  /**
   * Whether any program calls one of the helpers `ids` (e.g. 6 bpf_trace_printk, 177 bpf_trace_vprintk),
   * found by scanning for `call imm` instructions with src_reg 0.
   */
  callsHelper(ids: number[]): boolean {
    for (const sec of this.elf.sections) {
      if (!(Number(sec.flags) & SHF.EXECINSTR)) continue;
      const code = this.elf.sectionData(sec);
      const dv = new DataView(code.buffer, code.byteOffset, code.byteLength);
      for (let o = 0; o + 8 <= code.length; o += 8) {
        if (code[o] === 0x85 && (code[o + 1] & 0xf0) === 0 && ids.includes(dv.getInt32(o + 4, true)))
          return true;
      }
    }
    return false;
  }

  /** The struct type named `name` in the object's BTF, if present. */
  struct(name: string): BtfType | undefined {
    return this.btf?.byName(name).find((t) => t.kind === 'struct' || t.kind === 'union');
  }

  private readPrograms(): ProgramSpec[] {
    const out: ProgramSpec[] = [];
    for (const sym of this.elf.symbols()) {
      if (sym.type !== STT.FUNC || sym.bind !== STB.GLOBAL || sym.shndx === 0) continue;
      const sec = this.elf.sections[sym.shndx];
      if (!sec || !(Number(sec.flags) & SHF.EXECINSTR) || sec.name === '.text') continue;
      out.push({
        name: sym.name,
        section: sec.name,
        insnOffset: Number(sym.value) / 8,
        insnCount: Number(sym.size) / 8,
        ...sectionInfo(sec.name),
      });
    }
    return out;
  }

  private datasec(name: string): BtfDatasec | undefined {
    return this.btf?.byName(name, 'datasec')[0] as BtfDatasec | undefined;
  }

  private readMaps(): MapSpec[] {
    const out: MapSpec[] = [];
    const btf = this.btf;
    const ds = this.datasec('.maps');
    if (btf && ds) {
      for (const vi of ds.vars) {
        const v = btf.type(vi.type);
        if (v.kind !== 'var') continue;
        const def = btf.resolve(v.type);
        if (def.kind !== 'struct') continue;
        const m: MapSpec = {
          name: v.name,
          type: 0,
          typeName: 'unspec',
          keySize: 0,
          valueSize: 0,
          maxEntries: 0,
          flags: 0,
          keyType: 0,
          valueType: 0,
          section: '.maps',
        };
        for (const mem of def.members) {
          const mt = btf.resolve(mem.type);
          // __uint(x, N) is encoded as `int (*x)[N]`; __type(x, T) as `T *x`.
          const arrLen = (): number => {
            if (mt.kind !== 'ptr') return 0;
            const a = btf.resolve(mt.type);
            return a.kind === 'array' ? a.nelems : 0;
          };
          const pointee = (): number => (mt.kind === 'ptr' ? mt.type : 0);
          switch (mem.name) {
            case 'type':
              m.type = arrLen();
              break;
            case 'max_entries':
              m.maxEntries = arrLen();
              break;
            case 'map_flags':
              m.flags = arrLen();
              break;
            case 'key_size':
              m.keySize = arrLen();
              break;
            case 'value_size':
              m.valueSize = arrLen();
              break;
            case 'key':
              m.keyType = pointee();
              m.keySize = btf.sizeof(m.keyType);
              break;
            case 'value':
              m.valueType = pointee();
              m.valueSize = btf.sizeof(m.valueType);
              break;
          }
        }
        m.typeName = MAP_TYPES[m.type] ?? `type_${m.type}`;
        if ((m.typeName === 'perf_event_array' || m.typeName === 'ringbuf') && !m.keySize) {
          m.keySize = m.typeName === 'perf_event_array' ? 4 : 0;
          m.valueSize = m.typeName === 'perf_event_array' ? 4 : 0;
        }
        out.push(m);
      }
    }
    for (const sec of this.dataSections()) {
      checkDataSectionSize(sec.name, sec.size);
      out.push({
        name: sec.name,
        type: 2,
        typeName: 'array',
        keySize: 4,
        valueSize: sec.size,
        maxEntries: 1,
        flags: 0,
        keyType: 0,
        valueType: this.datasec(sec.name)?.id ?? 0,
        section: sec.name,
      });
    }
    return out;
  }

  private dataSections(): ElfSection[] {
    return this.elf.sections.filter(
      (s) =>
        /^\.(rodata|data|bss)(\.|$)/.test(s.name) &&
        (s.type === SHT.PROGBITS || s.type === SHT.NOBITS) &&
        s.size > 0,
    );
  }

  private readGlobals(): GlobalSpec[] {
    const btf = this.btf;
    if (!btf) return [];
    const out: GlobalSpec[] = [];
    const data = this.dataSections();
    // A variable whose symbol is in another data section than the DATASEC listing it: clang 14 lists
    // a zero-initialised `= {}` variable under .data but places it in .bss. The symbol is the truth.
    const elsewhere = new Map<string, { sec: ElfSection; offset: number }>();
    for (const sym of this.elf.symbols()) {
      const home = data.find((d) => d.index === sym.shndx);
      if (home && sym.type !== STT.SECTION) elsewhere.set(sym.name, { sec: home, offset: Number(sym.value) });
    }
    for (const sec of data) {
      const ds = this.datasec(sec.name);
      if (!ds) continue;
      // In an object file the DATASEC offsets are still 0 (the loader fills them in); the symbol
      // table has the real ones.
      const offsets = new Map<string, number>();
      for (const sym of this.elf.symbols())
        if (sym.shndx === sec.index) offsets.set(sym.name, Number(sym.value));
      for (const vi of ds.vars) {
        const v = btf.type(vi.type);
        if (v.kind !== 'var') continue;
        const own = offsets.get(v.name);
        const at =
          own !== undefined ? { sec, offset: own } : (elsewhere.get(v.name) ?? { sec, offset: vi.offset });
        const { offset } = at;
        const size = btf.sizeof(v.type);
        if (!(offset >= 0 && offset + size <= at.sec.size))
          throw new FormatError(
            `global ${v.name} (offset ${offset}, ${size} bytes) lies outside its section ${at.sec.name} (${at.sec.size} bytes)`,
          );
        out.push({
          name: v.name,
          section: at.sec.name,
          type: v.type,
          offset,
          size,
          readonly: at.sec.name.startsWith('.rodata'),
          initial:
            at.sec.type === SHT.NOBITS
              ? new Uint8Array(size)
              : this.elf.sectionData(at.sec).slice(offset, offset + size),
        });
      }
    }
    return out;
  }
}

function asFormatError(e: unknown, what: string): FormatError {
  if (e instanceof FormatError) return e;
  if (e instanceof RangeError || e instanceof TypeError)
    return new FormatError(`${what}: ${e.message}`, { cause: e });
  throw e;
}
