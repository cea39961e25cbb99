/**
 * `BpfObject`: a BPF object opened through libbpf — set globals, pick programs, load with CO-RE,
 * attach, reach its maps, and close everything. Needs root (or CAP_BPF + CAP_PERFMON), libbpf.so.1
 * and kernel BTF for CO-RE.
 */
import { readFileSync } from 'node:fs';
import { readBtfHeader } from '../btf/header.js';
import { ObjectSpec, type GlobalSpec, type MapSpec, type ProgramSpec } from '../spec/object.js';
import { encodeValue, type Encodable } from '../btf/encode.js';
import { libbpf, type BpfMapPtr, type BpfObjectPtr, type BpfProgramPtr } from '../sys/libbpf.js';
import { errno } from '../sys/libc.js';
import { ensureMounts } from '../sys/mounts.js';
import { requireBpfPrivileges } from '../sys/privileges.js';
import { BpfkitError, FormatError, UsageError } from '../errors/index.js';
import { withLog } from '../sys/libbpf-log.js';
import { loadError } from './load-errors.js';
import { assignProgramTypes } from './prog-types.js';
import { attachProgram, type AttachOptions, type Link } from '../links/attach.js';
import { track, untrack } from './cleanup.js';
import { VMLINUX_BTF_PATH } from '../btf/btf.js';
import { defaultMapSize, type MapSize } from '../spec/map-sizes.js';

/** Options for opening an object. */
export interface OpenOptions {
  /** Object name shown in the kernel (default: from the file name, else "bpfkit"). */
  name?: string;
  /** BTF file of the running kernel when /sys/kernel/btf/vmlinux is missing (also: $BPFKIT_BTF). */
  btfPath?: string;
}

/** A program of an opened object. */
export interface Program {
  readonly spec: ProgramSpec;
  /** Kernel fd once loaded, else negative (libbpf's -errno). */
  readonly fd: number;
  /** Whether the program is loaded (and attached by attachAll). */
  autoload: boolean;
}

/** A map of an opened object, with its fd once loaded. */
export interface ObjectMap {
  readonly spec: MapSpec;
  /** Kernel fd once loaded, else negative (libbpf's -errno). */
  readonly fd: number;
}

/** An opened (and later loaded and attached) BPF object. Always `close()` it, or let exit handlers do so. */
export class BpfObject {
  readonly spec: ObjectSpec;
  private obj: BpfObjectPtr | null;
  private readonly progPtrs = new Map<string, BpfProgramPtr>();
  private readonly mapPtrs = new Map<string, BpfMapPtr>();
  private readonly sections = new Map<string, Uint8Array>();
  /** Autoload choices made with setAutoload, kept to apply again when a failed load reopens the object. */
  private readonly autoloads = new Map<string, boolean>();
  /** Map sizes set with setMaxEntries/setValueSize. */
  private readonly sizes = new Map<string, MapSize>();
  private readonly links: Link[] = [];
  /** Programs attached so far (attachAll skips them). */
  private readonly attached = new Set<string>();
  private loaded = false;

  private constructor(
    spec: ObjectSpec,
    private readonly reopen: () => BpfObjectPtr,
  ) {
    this.spec = spec;
    this.obj = reopen();
    this.readHandles();
    for (const g of spec.globals) {
      if (!this.sections.has(g.section)) {
        const sec = spec.elf.section(g.section);
        const size = sec ? sec.size : 0;
        const img = new Uint8Array(size);
        for (const x of spec.globals.filter((y) => y.section === g.section)) img.set(x.initial, x.offset);
        this.sections.set(g.section, img);
      }
    }
  }

  /** Opens an object from a file path or from its bytes. Checks privileges and the object's format first. */
  static open(source: string | Uint8Array, opts: OpenOptions = {}): BpfObject {
    let data: Uint8Array;
    let name = opts.name;
    if (typeof source === 'string') {
      try {
        data = readFileSync(source);
      } catch (e) {
        throw new BpfkitError(
          `cannot read ${source}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        );
      }
      name ??= source.replace(/.*\//, '').replace(/\.(bpf\.)?o$/, '');
    } else data = source;
    const spec = new ObjectSpec(data);
    requireBpfPrivileges();
    ensureMounts();
    const lib = libbpf();
    const btfPath = opts.btfPath ?? process.env.BPFKIT_BTF;
    if (btfPath !== undefined) checkBtfFile(btfPath, opts.btfPath !== undefined ? '--btf' : 'BPFKIT_BTF');
    // libbpf keeps pointers into the buffer only during open; a private copy keeps it alive meanwhile
    // (and lets a failed load open the object again).
    const buf = Buffer.from(data);
    const openMem = (): BpfObjectPtr => {
      const { result: obj, log } = withLog(() =>
        lib.openMem(buf, buf.length, {
          sz: 0,
          object_name: (name ?? 'bpfkit').slice(0, 15),
          relaxed_maps: false,
          pin_root_path: null,
          kconfig: null,
          btf_custom_path: btfPath ?? null,
          kernel_log_buf: null,
          kernel_log_size: 0,
          kernel_log_level: 0,
        }),
      );
      if (!obj)
        throw new FormatError(`libbpf cannot open the object: ${lastError(log) ?? `errno ${errno()}`}`);
      return obj;
    };
    const o = new BpfObject(spec, openMem);
    track(o);
    return o;
  }

  /** Programs of the object, in ELF order. */
  get programs(): Program[] {
    const lib = libbpf();
    // Handles are looked up on each access: a failed load reopens the object with new ones.
    const ptr = (name: string): BpfProgramPtr => this.progPtr(name);
    const remember = (name: string, v: boolean): void => void this.autoloads.set(name, v);
    return this.spec.programs.map((spec) => ({
      spec,
      get fd() {
        return lib.programFd(ptr(spec.name));
      },
      get autoload() {
        return lib.programAutoload(ptr(spec.name));
      },
      set autoload(v: boolean) {
        remember(spec.name, v);
        lib.setAutoload(ptr(spec.name), v);
      },
    }));
  }

  /** The program called `name`; throws UsageError listing the programs when absent. */
  program(name: string): Program {
    const p = this.programs.find((x) => x.spec.name === name);
    if (!p)
      throw new UsageError(
        `no program '${name}' (programs: ${this.spec.programs.map((x) => x.name).join(', ')})`,
      );
    return p;
  }

  /** Chooses whether a program is loaded; call before load() (e.g. to pick tp_btf or raw_tp). */
  setAutoload(name: string, autoload: boolean): void {
    this.requireOpen('setAutoload');
    this.program(name).autoload = autoload;
  }

  /**
   * Sets the number of entries of map `name` before load (a ring buffer's size in bytes, which libbpf
   * rounds up to a power-of-2 number of pages). Maps the source leaves at 0 get the defaults of
   * spec/map-sizes.ts otherwise.
   */
  setMaxEntries(name: string, maxEntries: number): void {
    this.requireOpen('setMaxEntries');
    this.setSize(name, { maxEntries });
  }

  /** Sets the value size (bytes) of map `name` before load, e.g. a stack-trace map's depth × 8. */
  setValueSize(name: string, valueSize: number): void {
    this.requireOpen('setValueSize');
    this.setSize(name, { valueSize });
  }

  /** Globals of the object (.rodata, .data, .bss). */
  get globals(): GlobalSpec[] {
    return this.spec.globals;
  }

  /**
   * Sets a global by name before load, type-checked against BTF (integers with range checks, bool,
   * enums by name or value, char arrays from strings, arrays, structs). Throws UsageError on an
   * unknown name (listing the globals) or a bad value.
   */
  setGlobal(name: string, value: Encodable): void {
    this.requireOpen('setGlobal');
    const g = this.spec.globals.find((x) => x.name === name);
    if (!g) {
      const names = this.spec.globals.map((x) => x.name);
      throw new UsageError(
        `no global '${name}'` +
          (names.length ? ` (globals: ${names.join(', ')})` : ' (the object has no globals)'),
      );
    }
    const btf = this.spec.btf!;
    const img = this.sections.get(g.section)!;
    encodeValue(btf, g.type, value, name, img, g.offset);
  }

  /** Current bytes of a global (the value that will be, or was, loaded). */
  globalBytes(name: string): Uint8Array | undefined {
    const g = this.spec.globals.find((x) => x.name === name);
    return g && this.sections.get(g.section)?.subarray(g.offset, g.offset + g.size);
  }

  /**
   * Loads maps and programs with CO-RE relocation against the kernel's BTF. Throws VerifierError
   * (with the full log) when the verifier rejects a program, NotSupportedError when a hook or
   * feature is missing, LoadError with libbpf's reason otherwise. After a failure the object is
   * open again as before the load (globals, autoload choices and map sizes kept), so it can be
   * changed and loaded again.
   */
  load(): void {
    this.requireOpen('load');
    const lib = libbpf();
    for (const [section, img] of this.sections) {
      const m = this.dataMapPtr(section);
      if (m && img.length) lib.setInitialValue(m, img, img.length);
    }
    assignProgramTypes(this.spec.programs, this.progPtrs);
    this.applySizes();
    const { result: rc, log, warnings } = withLog(() => lib.load(this.obj!));
    if (rc < 0) {
      const err = loadError(this, -rc, log, warnings);
      lib.close(this.obj!);
      this.obj = null;
      this.obj = this.reopen();
      this.readHandles();
      for (const [name, v] of this.autoloads) lib.setAutoload(this.progPtr(name), v);
      throw err;
    }
    this.loaded = true;
  }

  /**
   * Attaches every loaded program by its section (see links/attach.ts), except those already attached
   * with attach(); returns the new links.
   */
  attachAll(opts: AttachOptions = {}): Link[] {
    if (!this.loaded) this.load();
    const out: Link[] = [];
    for (const p of this.programs) {
      if (!p.autoload || this.attached.has(p.spec.name)) continue;
      this.attached.add(p.spec.name);
      const links = attachProgram(this.progPtr(p.spec.name), p.spec, opts);
      this.links.push(...links);
      out.push(...links);
    }
    return out;
  }

  /** Attaches one program with explicit options (e.g. a uprobe target or perf_event frequency). */
  attach(name: string, opts: AttachOptions = {}): Link[] {
    if (!this.loaded) this.load();
    const p = this.program(name);
    const links = attachProgram(this.progPtr(name), p.spec, opts);
    this.attached.add(name);
    this.links.push(...links);
    return links;
  }

  /** Maps of the object with their fds (after load). */
  get maps(): ObjectMap[] {
    const lib = libbpf();
    return this.spec.maps.map((spec) => {
      const ptr = spec.section === '.maps' ? this.mapPtrs.get(spec.name) : this.dataMapPtr(spec.section);
      return { spec, fd: ptr && this.loaded ? lib.mapFd(ptr) : -1 };
    });
  }

  /** The map called `name`; throws UsageError listing the maps when absent. */
  map(name: string): ObjectMap {
    const m = this.maps.find((x) => x.spec.name === name);
    if (!m) throw new UsageError(`no map '${name}' (maps: ${this.spec.maps.map((x) => x.name).join(', ')})`);
    return m;
  }

  /** Whether load() succeeded. */
  get isLoaded(): boolean {
    return this.loaded;
  }

  /** Detaches every link and frees the object (programs and maps). Idempotent. */
  close(): void {
    for (const l of this.links.splice(0)) l.destroy();
    if (this.obj) {
      libbpf().close(this.obj);
      this.obj = null;
    }
    untrack(this);
  }

  private readHandles(): void {
    const lib = libbpf();
    const obj = this.obj!;
    this.progPtrs.clear();
    this.mapPtrs.clear();
    for (let p = lib.nextProgram(obj, null); p; p = lib.nextProgram(obj, p))
      this.progPtrs.set(lib.programName(p), p);
    for (let m = lib.nextMap(obj, null); m; m = lib.nextMap(obj, m)) this.mapPtrs.set(lib.mapName(m), m);
  }

  private setSize(name: string, size: MapSize): void {
    const m = this.spec.maps.find((x) => x.name === name && x.section === '.maps');
    if (!m) {
      const names = this.spec.maps.filter((x) => x.section === '.maps').map((x) => x.name);
      throw new UsageError(`no map '${name}'` + (names.length ? ` (maps: ${names.join(', ')})` : ''));
    }
    this.sizes.set(name, { ...this.sizes.get(name), ...size });
  }

  /** Gives each map its size: what was set, else the default for a size the source leaves at 0. */
  private applySizes(): void {
    const lib = libbpf();
    for (const m of this.spec.maps) {
      const ptr = m.section === '.maps' ? this.mapPtrs.get(m.name) : undefined;
      if (!ptr) continue;
      const size = { ...defaultMapSize(m), ...this.sizes.get(m.name) };
      if (size.maxEntries !== undefined) lib.setMaxEntries(ptr, size.maxEntries);
      if (size.valueSize !== undefined) lib.setValueSize(ptr, size.valueSize);
    }
  }

  private progPtr(name: string): BpfProgramPtr {
    const p = this.progPtrs.get(name);
    if (!p) throw new UsageError(`no program '${name}'`);
    return p;
  }

  private dataMapPtr(section: string): BpfMapPtr | undefined {
    // libbpf names internal maps "<object name prefix><section>" ("opensnoo.rodata"), or after the
    // section alone, cut to 15 characters, for custom ".rodata.*" and ".data.*" sections.
    for (const [name, ptr] of this.mapPtrs)
      if (name.endsWith(section) || name === section.slice(0, 15)) return ptr;
    return undefined;
  }

  private requireOpen(what: string): void {
    if (!this.obj) throw new BpfkitError(`${what}: the object is closed`);
    if (this.loaded) throw new BpfkitError(`${what}: the object is already loaded`);
  }
}

function lastError(log: string): string | undefined {
  return log
    .split('\n')
    .filter((l) => l.trim())
    .at(-1)
    ?.replace(/^libbpf: /, '');
}

/** The VMLINUX BTF path used by default (re-exported for messages). */
export { VMLINUX_BTF_PATH };

/** Fails early, in one sentence, when the BTF file given for CO-RE is missing or not BTF. */
function checkBtfFile(path: string, what: string): void {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    throw new BpfkitError(
      `${what}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  try {
    readBtfHeader(data);
  } catch (e) {
    throw new FormatError(`${what}: ${path} is not a BTF file (${(e as Error).message})`);
  }
}
