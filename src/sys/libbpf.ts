/**
 * koffi bindings to the system libbpf.so.1 (Debian `libbpf1`, >= 1.0): object open, CO-RE relocation,
 * load and attach (tc filters on a clsact qdisc through libbpf's netlink code). Only the handful of entry points bpfkit needs are bound; everything else (maps,
 * readers, introspection) talks to bpf(2) directly.
 */
import koffi, { type LibraryHandle } from 'koffi';
import { MissingDependencyError } from '../errors/index.js';

/** Opaque libbpf handle of a `struct bpf_object` (branded so handles of different kinds do not mix). */
export type BpfObjectPtr = { readonly __brand: 'bpf_object' };
/** Opaque libbpf handle of a `struct bpf_program`. */
export type BpfProgramPtr = { readonly __brand: 'bpf_program' };
/** Opaque libbpf handle of a `struct bpf_map`. */
export type BpfMapPtr = { readonly __brand: 'bpf_map' };
/** Opaque libbpf handle of a `struct bpf_link`. */
export type BpfLinkPtr = { readonly __brand: 'bpf_link' };

/** libbpf_print_level. */
export const PRINT_LEVEL = { WARN: 0, INFO: 1, DEBUG: 2 } as const;

/** struct bpf_object_open_opts (libbpf >= 1.0 layout). */
export interface OpenOpts {
  sz: number;
  object_name: string | null;
  relaxed_maps: boolean;
  pin_root_path: string | null;
  kconfig: string | null;
  btf_custom_path: string | null;
  kernel_log_buf: null;
  kernel_log_size: number;
  kernel_log_level: number;
}

/** struct bpf_uprobe_opts (libbpf >= 1.0 layout). */
export interface UprobeOpts {
  sz: number;
  ref_ctr_offset: number;
  bpf_cookie: bigint;
  retprobe: boolean;
  func_name: string | null;
}

/** The bound libbpf functions. Pointer-returning calls return null on failure with errno set. */
export interface Libbpf {
  major: number;
  minor: number;
  setPrint(fn: (level: number, message: string) => void): void;
  openMem(buf: Uint8Array, size: number, opts: OpenOpts): BpfObjectPtr | null;
  load(obj: BpfObjectPtr): number;
  close(obj: BpfObjectPtr): void;
  nextProgram(obj: BpfObjectPtr, prev: BpfProgramPtr | null): BpfProgramPtr | null;
  programName(p: BpfProgramPtr): string;
  programSection(p: BpfProgramPtr): string;
  programFd(p: BpfProgramPtr): number;
  /** bpf_program__unload: closes the program's fd (the object keeps its spec). */
  unloadProgram(p: BpfProgramPtr): void;
  programType(p: BpfProgramPtr): number;
  /** bpf_program__set_type, before load; returns 0 or -errno. */
  setType(p: BpfProgramPtr, type: number): number;
  setAutoload(p: BpfProgramPtr, autoload: boolean): number;
  programAutoload(p: BpfProgramPtr): boolean;
  nextMap(obj: BpfObjectPtr, prev: BpfMapPtr | null): BpfMapPtr | null;
  mapName(m: BpfMapPtr): string;
  mapFd(m: BpfMapPtr): number;
  /** Pointer to the map's initial-value image (global data sections) and its size. */
  mapInitialValue(m: BpfMapPtr, size: [number]): unknown;
  setInitialValue(m: BpfMapPtr, data: Uint8Array, size: number): number;
  /** Map sizes, settable before load (negative errno on failure). */
  setMaxEntries(m: BpfMapPtr, n: number): number;
  setValueSize(m: BpfMapPtr, n: number): number;
  attach(p: BpfProgramPtr): BpfLinkPtr | null;
  attachUprobe(
    p: BpfProgramPtr,
    pid: number,
    binary: string,
    offset: number,
    opts: UprobeOpts,
  ): BpfLinkPtr | null;
  attachPerfEvent(p: BpfProgramPtr, pfd: number): BpfLinkPtr | null;
  linkDestroy(l: BpfLinkPtr): number;
  /** bpf_tc_hook_create with a `struct bpf_tc_hook` (see TC_HOOK); returns 0 or -errno (-EEXIST: there already). */
  tcHookCreate(hook: Buffer): number;
  /** bpf_tc_hook_destroy; returns 0 or -errno. */
  tcHookDestroy(hook: Buffer): number;
  /** bpf_tc_attach with a hook and a `struct bpf_tc_opts` (see TC_OPTS), which it fills with the handle and priority used. */
  tcAttach(hook: Buffer, opts: Buffer): number;
  /** bpf_tc_detach of the filter `opts` names by handle and priority; returns 0 or -errno. */
  tcDetach(hook: Buffer, opts: Buffer): number;
}

/**
 * struct bpf_tc_hook (libbpf >= 0.4): sz size_t @0, ifindex int @8, attach_point u32 @12 (enum
 * bpf_tc_attach_point: INGRESS 1, EGRESS 2, CUSTOM 4), parent u32 @16; 24 bytes.
 */
export const TC_HOOK = { size: 24, ifindex: 8, attachPoint: 12, parent: 16 } as const;
/**
 * struct bpf_tc_opts (libbpf >= 0.4): sz size_t @0, prog_fd int @8, flags u32 @12, prog_id u32 @16,
 * handle u32 @20, priority u32 @24; 32 bytes.
 */
export const TC_OPTS = { size: 32, progFd: 8, flags: 12, progId: 16, handle: 20, priority: 24 } as const;

let bound: Libbpf | undefined;
// Registered print callback; kept referenced so koffi never frees it.
let printCb: unknown;
let printSink: (level: number, message: string) => void = () => {};

/** Loads libbpf.so.1 (once). Throws MissingDependencyError when it is absent or older than 1.0. */
export function libbpf(): Libbpf {
  if (bound) return bound;
  let lib: LibraryHandle;
  try {
    lib = koffi.load('libbpf.so.1');
  } catch {
    throw new MissingDependencyError(
      'libbpf.so.1 is missing: install libbpf 1.0 or newer (apt-get install libbpf1)',
    );
  }
  const major = (lib.func('uint32_t libbpf_major_version(void)') as () => number)();
  const minor = (lib.func('uint32_t libbpf_minor_version(void)') as () => number)();
  if (major < 1) {
    throw new MissingDependencyError(`libbpf ${major}.${minor} is too old: bpfkit needs libbpf 1.0 or newer`);
  }
  koffi.struct('bpfkit_open_opts', {
    sz: 'size_t',
    object_name: 'const char *',
    relaxed_maps: 'bool',
    pin_root_path: 'const char *',
    _attach_prog_fd: 'uint32_t',
    kconfig: 'const char *',
    btf_custom_path: 'const char *',
    kernel_log_buf: 'char *',
    kernel_log_size: 'size_t',
    kernel_log_level: 'uint32_t',
  });
  koffi.struct('bpfkit_uprobe_opts', {
    sz: 'size_t',
    ref_ctr_offset: 'size_t',
    bpf_cookie: 'uint64_t',
    retprobe: 'bool',
    func_name: 'const char *',
  });
  koffi.opaque('bpf_object');
  koffi.opaque('bpf_program');
  koffi.opaque('bpf_map');
  koffi.opaque('bpf_link');
  const printProto = koffi.proto('int bpfkit_print_fn(int level, const char *fmt, void *ap)');
  // vasprintf sizes its output itself: a verifier log printed on a rejection runs to megabytes, and a
  // fixed buffer would cut it (and the reason at its end) mid-line.
  const libc = koffi.load('libc.so.6');
  const vasprintf = libc.func('int vasprintf(_Out_ void **strp, const char *fmt, void *ap)') as (
    out: [unknown],
    fmt: string,
    ap: unknown,
  ) => number;
  const free = libc.func('void free(void *p)') as (p: unknown) => void;
  const setPrint = lib.func('void *libbpf_set_print(bpfkit_print_fn *fn)');
  printCb = koffi.register((level: number, fmt: string, ap: unknown) => {
    const out: [unknown] = [null];
    const n = vasprintf(out, fmt, ap);
    if (n < 0 || !out[0]) return 0;
    try {
      printSink(level, n ? Buffer.from(koffi.view(out[0], n)).toString('utf8') : '');
    } finally {
      free(out[0]);
    }
    return 0;
  }, koffi.pointer(printProto));
  setPrint(printCb);

  const f = <T>(decl: string): T => lib.func(decl) as T;
  const openOptsSize = koffi.sizeof('bpfkit_open_opts');
  const uprobeOptsSize = koffi.sizeof('bpfkit_uprobe_opts');
  const openMem = f<(b: Uint8Array, n: number, o: OpenOpts) => BpfObjectPtr | null>(
    'bpf_object *bpf_object__open_mem(const void *buf, size_t size, const bpfkit_open_opts *opts)',
  );
  const initialValue = f<(m: BpfMapPtr, size: [number]) => unknown>(
    'void *bpf_map__initial_value(bpf_map *map, _Out_ size_t *psize)',
  );
  const attachUprobe = f<
    (p: BpfProgramPtr, pid: number, bin: string, off: number, o: UprobeOpts) => BpfLinkPtr | null
  >(
    'bpf_link *bpf_program__attach_uprobe_opts(bpf_program *prog, int pid, const char *binary, size_t off, const bpfkit_uprobe_opts *opts)',
  );
  bound = {
    major,
    minor,
    setPrint: (fn) => {
      printSink = fn;
    },
    openMem: (b, n, o) => openMem(b, n, { ...o, sz: openOptsSize }),
    load: f('int bpf_object__load(bpf_object *obj)'),
    close: f('void bpf_object__close(bpf_object *obj)'),
    nextProgram: f('bpf_program *bpf_object__next_program(bpf_object *obj, bpf_program *prev)'),
    programName: f('const char *bpf_program__name(bpf_program *p)'),
    programSection: f('const char *bpf_program__section_name(bpf_program *p)'),
    programFd: f('int bpf_program__fd(bpf_program *p)'),
    unloadProgram: f('void bpf_program__unload(bpf_program *p)'),
    programType: f('int bpf_program__type(bpf_program *p)'),
    setType: f('int bpf_program__set_type(bpf_program *p, int type)'),
    setAutoload: f('int bpf_program__set_autoload(bpf_program *p, bool autoload)'),
    programAutoload: f('bool bpf_program__autoload(bpf_program *p)'),
    nextMap: f('bpf_map *bpf_object__next_map(bpf_object *obj, bpf_map *prev)'),
    mapName: f('const char *bpf_map__name(bpf_map *m)'),
    mapFd: f('int bpf_map__fd(bpf_map *m)'),
    mapInitialValue: initialValue,
    setInitialValue: f('int bpf_map__set_initial_value(bpf_map *m, const void *data, size_t size)'),
    setMaxEntries: f('int bpf_map__set_max_entries(bpf_map *m, uint32_t n)'),
    setValueSize: f('int bpf_map__set_value_size(bpf_map *m, uint32_t n)'),
    attach: f('bpf_link *bpf_program__attach(bpf_program *p)'),
    attachUprobe: (p, pid, bin, off, o) => attachUprobe(p, pid, bin, off, { ...o, sz: uprobeOptsSize }),
    attachPerfEvent: f('bpf_link *bpf_program__attach_perf_event(bpf_program *p, int pfd)'),
    linkDestroy: f('int bpf_link__destroy(bpf_link *l)'),
    tcHookCreate: f('int bpf_tc_hook_create(void *hook)'),
    tcHookDestroy: f('int bpf_tc_hook_destroy(void *hook)'),
    tcAttach: f('int bpf_tc_attach(const void *hook, void *opts)'),
    tcDetach: f('int bpf_tc_detach(const void *hook, const void *opts)'),
  };
  return bound;
}
