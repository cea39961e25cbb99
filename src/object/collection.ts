/**
 * `BpfObject`: a BPF object in the kernel, opened through libbpf from its ObjectSpec — choose
 * programs and map sizes, load with CO-RE (globals as the spec holds them), attach, reach its maps
 * and programs as handles, and close everything. Needs root (or CAP_BPF + CAP_PERFMON), libbpf.so.1
 * and kernel BTF for CO-RE. `load(spec)` (load.ts) does open, choose and load in one call.
 */
import { ObjectSpec, type GlobalSpec, type MapSpec } from '../spec/object.js';
import type { Encodable } from '../btf/encode.js';
import { libbpf, type BpfMapPtr, type BpfObjectPtr, type BpfProgramPtr } from '../sys/libbpf.js';
import { dupFd } from '../sys/libc.js';
import { ensureMounts } from '../sys/mounts.js';
import { requireBpfPrivileges } from '../sys/privileges.js';
import { ClosedError, NotFoundError, StateError } from '../errors/index.js';
import { withLog } from '../sys/libbpf-log.js';
import { loadError } from './load-errors.js';
import { assignProgramTypes } from './prog-types.js';
import { attachProgram, type AttachOptions, type Link } from '../links/attach.js';
import { BpfMap } from '../maps/map.js';
import { track, untrack } from './cleanup.js';
import { defaultMapSize, type MapSize } from '../spec/map-sizes.js';
import { checkBtfFile, libbpfOpener, readObjectFile } from './open.js';
import { minimalCoreBtfPath } from './core-btf.js';
import { Program, type ProgramOwner } from './program.js';

export { Program };

/** Options for opening an object. */
export interface OpenOptions {
  /** Object name shown in the kernel (default: from the file name, else "bpfkit"). */
  name?: string;
  /** BTF file of the running kernel when /sys/kernel/btf/vmlinux is missing (also: $BPFKIT_BTF). */
  btfPath?: string;
}

/** A map of a loaded object: a BpfMap that knows what the object file declares about it. */
export type ObjectMap = BpfMap & {
  /** What the object file says of the map. */
  readonly spec: MapSpec;
};

/** An opened (and later loaded and attached) BPF object. close() it, or `using obj = …`. */
export class BpfObject implements ProgramOwner, Disposable {
  /** The parsed object this was opened from; its globals are what load() loads. */
  readonly spec: ObjectSpec;
  private obj: BpfObjectPtr | null;
  private readonly progPtrs = new Map<string, BpfProgramPtr>();
  private readonly mapPtrs = new Map<string, BpfMapPtr>();
  private readonly handles = new Map<string, Program>();
  private readonly mapHandles = new Map<string, ObjectMap>();
  /** Autoload choices made with setAutoload, kept to apply again when a failed load reopens the object. */
  private readonly autoloads = new Map<string, boolean>();
  /** Map sizes set with setMaxEntries/setValueSize. */
  private readonly sizes = new Map<string, MapSize>();
  private readonly links: Link[] = [];
  /** The links attach() made, by program name (for Program.close()). */
  private readonly programLinks = new Map<string, Link[]>();
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
  }

  /**
   * Opens an object: an ObjectSpec (whose globals are what gets loaded), a file path or the object's
   * bytes. Checks privileges first, and mounts tracefs and bpffs when missing (as root).
   */
  static open(source: ObjectSpec | string | Uint8Array, opts: OpenOptions = {}): BpfObject {
    let name = opts.name;
    let spec: ObjectSpec;
    if (source instanceof ObjectSpec) spec = source;
    else if (typeof source === 'string') {
      spec = new ObjectSpec(readObjectFile(source));
      name ??= source.replace(/.*\//, '').replace(/\.(bpf\.)?o$/, '');
    } else spec = new ObjectSpec(source);
    requireBpfPrivileges();
    ensureMounts();
    let btfPath = opts.btfPath ?? process.env.BPFKIT_BTF;
    if (btfPath !== undefined) checkBtfFile(btfPath, opts.btfPath !== undefined ? '--btf' : 'BPFKIT_BTF');
    else btfPath = minimalCoreBtfPath(spec);
    const o = new BpfObject(spec, libbpfOpener(spec.bytes, name ?? 'bpfkit', btfPath));
    track(o);
    return o;
  }

  /** Programs of the object, in ELF order. */
  get programs(): Program[] {
    return this.spec.programs.map((p) => this.program(p.name));
  }

  /** The program called `name`; throws NotFoundError listing the programs when absent. */
  program(name: string): Program {
    let h = this.handles.get(name);
    if (!h) {
      const spec = this.spec.program(name);
      if (!spec) {
        const names = this.spec.programs.map((x) => x.name);
        throw new NotFoundError(`no program '${name}' (programs: ${names.join(', ')})`, {
          what: 'program',
          key: name,
          available: names,
        });
      }
      this.handles.set(name, (h = new Program(spec, this)));
    }
    return h;
  }

  /** Kernel fd of program `name` once loaded, else negative (libbpf's -errno). */
  programFd(name: string): number {
    return libbpf().programFd(this.progPtr(name));
  }

  /** Whether program `name` is loaded by load(). */
  autoloadOf(name: string): boolean {
    return libbpf().programAutoload(this.progPtr(name));
  }

  /** Chooses whether a program is loaded; call before load() (e.g. to pick tp_btf or raw_tp). */
  setAutoload(name: string, autoload: boolean): void {
    this.requireOpen('setAutoload');
    this.program(name);
    this.autoloads.set(name, autoload);
    libbpf().setAutoload(this.progPtr(name), autoload);
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
   * Sets a global before load: the same as `spec.setGlobal` (see ObjectSpec), refused once loaded.
   * Throws NotFoundError for an unknown global, BadValueError for a value that does not fit.
   */
  setGlobal(name: string, value: Encodable): void {
    this.requireOpen('setGlobal');
    this.spec.setGlobal(name, value);
  }

  /** Current bytes of a global (the value that will be, or was, loaded). */
  globalBytes(name: string): Uint8Array | undefined {
    return this.spec.globalBytes(name);
  }

  /**
   * Loads maps and programs with CO-RE relocation against the kernel's BTF. Throws VerifierError
   * (with the full log) when the verifier rejects a program, NotSupportedError when a hook or
   * feature is missing, LoadError with libbpf's reason otherwise. After a failure the object is
   * open again as before the load (autoload choices and map sizes kept), so it can be changed and
   * loaded again.
   */
  load(): void {
    this.requireOpen('load');
    const lib = libbpf();
    for (const [section, img] of this.spec.dataImages()) {
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
   * with attach(); loads first if needed. Returns the new links, which close() detaches.
   */
  attachAll(opts: AttachOptions = {}): Link[] {
    if (!this.loaded) this.load();
    const out: Link[] = [];
    for (const p of this.programs) {
      if (!p.autoload || this.attached.has(p.name)) continue;
      out.push(...this.attach(p.name, opts));
    }
    return out;
  }

  /** Attaches one program with explicit options (e.g. a uprobe target or perf_event frequency). */
  attach(name: string, opts: AttachOptions = {}): Link[] {
    if (!this.obj) throw new ClosedError('object', `attach ${name}`);
    if (!this.loaded) this.load();
    const p = this.program(name);
    const links = attachProgram(this.progPtr(name), p.spec, opts);
    this.attached.add(name);
    this.links.push(...links);
    this.programLinks.set(name, [...(this.programLinks.get(name) ?? []), ...links]);
    return links;
  }

  /** Program.close(): detaches program `name`'s links and unloads it; a no-op once closed. */
  closeProgram(name: string): void {
    if (!this.obj) return;
    const ptr = this.progPtr(name);
    const mine = this.programLinks.get(name) ?? [];
    for (const l of mine) l.close();
    this.programLinks.delete(name);
    const rest = this.links.filter((l) => !mine.includes(l));
    this.links.splice(0, this.links.length, ...rest);
    libbpf().unloadProgram(ptr);
  }

  /** Every map of the object as a handle (after load): `.maps` maps and global data sections. */
  get maps(): ObjectMap[] {
    return this.spec.maps.map((m) => this.map(m.name));
  }

  /**
   * The map called `name` (after load): lookups, updates and iteration decoded through the object's
   * BTF. The handle is the object's: closed with it. Throws NotFoundError listing the maps when
   * absent, StateError before load.
   */
  map(name: string): ObjectMap {
    const cached = this.mapHandles.get(name);
    if (cached) return cached;
    const spec = this.spec.maps.find((x) => x.name === name);
    if (!spec) {
      const names = this.spec.maps.map((x) => x.name);
      throw new NotFoundError(`no map '${name}' (maps: ${names.join(', ')})`, {
        what: 'map',
        key: name,
        available: names,
      });
    }
    if (!this.obj) throw new ClosedError('object', `map ${name}`);
    if (!this.loaded) throw new StateError(`map ${name}: the object is not loaded yet`, 'not loaded');
    const ptr = spec.section === '.maps' ? this.mapPtrs.get(name) : this.dataMapPtr(spec.section);
    const fd = ptr ? libbpf().mapFd(ptr) : -1;
    if (fd < 0) throw new NotFoundError(`map ${name} was not created (no fd)`, { what: 'map', key: name });
    const m = BpfMap.fromFd(dupFd(fd, `map ${name}`), {
      btf: this.spec.btf ?? false,
      keyType: spec.keyType,
      valueType: spec.valueType,
      spec,
    }) as ObjectMap;
    this.mapHandles.set(name, m);
    return m;
  }

  /** Whether load() succeeded. */
  get isLoaded(): boolean {
    return this.loaded;
  }

  /** Detaches every link, closes the map handles and frees the object (programs and maps). Idempotent. */
  close(): void {
    for (const l of this.links.splice(0)) l.close();
    this.programLinks.clear();
    for (const m of this.mapHandles.values()) m.close();
    this.mapHandles.clear();
    if (this.obj) {
      libbpf().close(this.obj);
      this.obj = null;
    }
    untrack(this);
  }

  /** close(), for `using obj = …`. */
  [Symbol.dispose](): void {
    this.close();
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
      throw new NotFoundError(`no map '${name}'` + (names.length ? ` (maps: ${names.join(', ')})` : ''), {
        what: 'map',
        key: name,
        available: names,
      });
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
    if (!p) throw new NotFoundError(`no program '${name}'`, { what: 'program', key: name });
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
    if (!this.obj) throw new ClosedError('object', what);
    if (this.loaded) throw new StateError(`${what}: the object is already loaded`, 'loaded');
  }
}
