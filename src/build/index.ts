/**
 * `build()`: compiles a BPF C source into `<name>.bpf.o` and packages it with its metadata into
 * `<name>.bpfkit.json`. Needs clang; never the kernel (it reads the kernel's BTF file only to
 * generate vmlinux.h, once per kernel).
 *
 * Steps, with what runs at the same time:
 * 1. vmlinux.h from the cache (hash of the kernel BTF), generated on first use;
 * 2. the compile starts, and beside it the AST dump. Both use the precompiled vmlinux.h (vmlinux.ts)
 *    when it exists; the compile only when that provably changes nothing (canCompileWithPch), and
 *    a failed compile is redone without it so diagnostics are exactly clang's;
 * 3. from the AST: doc comments, header structs, and the types sent to ring buffers and perf event
 *    arrays. Header structs and sent types get a BPFKIT_MAP_EVENT-style marker (bpfkit.h) through a
 *    forced include so they are in the object's BTF; when markers are needed the first compile is
 *    stopped and rerun with them (markers the source already has are not duplicated);
 * 4. the object is parsed (ObjectSpec) and the metadata assembled and checked (metadata.ts; each
 *    event map's type in event-types.ts);
 * 5. object and package are written atomically.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { BuildError, CompileError, FormatError, NotFoundError } from '../errors/index.js';
import { ObjectSpec } from '../spec/object.js';
import { encodePackage, PACKAGE_SUFFIX } from '../package/format.js';
import { MARKER_PREFIX, MARKER_SECTION, nameFromPath } from '../package/meta.js';
import type { PackageMeta } from '../package/types.js';
import { BPFKIT_INCLUDE_DIR, baseFlags, findClang, includeFlags, runClang, type Clang, type ClangResult } from './clang.js';
import { ensurePch, ensureVmlinuxHeader, pchPath, type VmlinuxHeader } from './vmlinux.js';
import { isPrivateFile, writeAtomic } from '../sys/cache.js';
import { dumpAst, recordOf } from './ast.js';
import { collectDocs, type RecordInfo, type SourceDocs } from './docs.js';
import { findEventUses, type EventUse } from './exports.js';
import { assembleMeta } from './metadata.js';

/** What to build. */
export interface BuildOptions {
  /** The BPF C source (x.bpf.c). */
  source: string;
  /** A header whose named structs are the event types (x.h); one of macros only exports nothing. */
  header?: string;
  /** Output directory (default: the source's directory). */
  outDir?: string;
  /** Extra clang flags. */
  cflags?: string[];
  /** Kernel BTF to generate vmlinux.h from (default $BPFKIT_BTF, else /sys/kernel/btf/vmlinux). */
  btfPath?: string;
  /**
   * false: no generated vmlinux.h on the include path (the source declares the kernel types it
   * uses), so the build reads no kernel BTF and the package does not depend on the build machine.
   */
  vmlinux?: boolean;
  /** Called with a step's label ("compiling x.bpf.c") when it has run for a second. */
  onProgress?: (label: string) => void;
  /** Ask clang for colored diagnostics (its stderr is captured, so it cannot tell by itself). */
  color?: boolean;
  /** Environment for clang and for BPFKIT_* settings (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

/** What a build produced. */
export interface BuildResult {
  /** Where the compiled object (x.bpf.o) was written. */
  objectPath: string;
  /** Where the package (x.bpfkit.json) was written. */
  packagePath: string;
  /** The compiled object's bytes. */
  object: Uint8Array;
  /** The metadata written into the package: event types, options, samples. */
  meta: PackageMeta;
  /** clang's warnings (already formatted), '' when none. */
  diagnostics: string;
  /** Problems that did not stop the build. */
  warnings: string[];
  /** How the build decided what it could not read directly (event types, an empty header), for -v. */
  notes: string[];
  /** The vmlinux.h used, if any, and whether this build generated it. */
  vmlinux?: {
    /** Path of the vmlinux.h the source was compiled with. */
    header: string;
    /** Whether this build generated it from the kernel's BTF (else it came from the cache). */
    generated: boolean;
  };
}

/** Builds a package; see the module comment. */
export async function build(opts: BuildOptions): Promise<BuildResult> {
  const env = opts.env ?? process.env;
  const source = opts.source;
  const sourceAbs = resolve(source);
  mustBeFile(source);
  if (opts.header) mustBeFile(opts.header);
  const clang = findClang(env);
  const warnings: string[] = [];
  const notes: string[] = [];
  const progress = opts.onProgress ?? (() => {});

  const vm =
    opts.vmlinux === false
      ? undefined
      : await ensureVmlinuxHeader({
          btfPath: opts.btfPath,
          version: bpfkitVersion(),
          env,
          onGenerate: () => progress('generating vmlinux.h'),
        });
  const flags = [...baseFlags(), ...(opts.cflags ?? []), ...includeFlags(vm?.dir)];
  const name = nameFromPath(source);
  const outDir = opts.outDir ?? dirname(source);
  mkdirSync(outDir, { recursive: true });
  const objectPath = join(outDir, `${name}.bpf.o`);
  const packagePath = join(outDir, `${name}${PACKAGE_SUFFIX}`);
  const work = mkdtempSync(join(tmpdir(), 'bpfkit-build-'));
  const timer = setTimeout(() => progress(`compiling ${source}`), 1000);
  try {
    const compileFlags = opts.color ? [...flags, '-fcolor-diagnostics'] : flags;
    const pch = vm ? pchPath(clang, vm) : undefined;
    const withPch = !!pch && isPrivateFile(pch) && !env.BPFKIT_NO_PCH && canCompileWithPch(source, opts.cflags);
    const compile = (extra: string[], out: string, usePch: boolean): Compile =>
      startCompile(clang, [...(usePch && pch ? ['-include-pch', pch] : []), ...compileFlags, ...extra], source, out, {
        extra,
        usePch,
      });
    let c = compile([], join(work, 'a.o'), withPch);
    // The dependency list says whether the header is included even when it declares nothing.
    const deps = opts.header ? join(work, 'deps.d') : undefined;
    const ast = await astWhenReady(clang, vm, source, deps ? [...flags, '-MD', '-MF', deps] : flags);
    if (!ast) {
      const r = await c.done;
      if (r.code !== 0) throw compileError(source, r);
      warnings.push('clang could not dump the AST, so doc comments and event types were not read');
    }
    const docs = ast && collectDocs(ast, skipDirs(vm));
    const uses = ast ? findEventUses(ast, skipDirs(vm)) : [];
    const headerRecords = opts.header ? headerStructs(opts.header, docs, source, deps, notes) : undefined;

    const markers = markerInclude(uses, docs, headerRecords);
    if (markers) {
      c.abort();
      await c.done.catch(() => undefined);
      const inc = join(work, 'bpfkit-events.h');
      writeFileSync(inc, markers);
      c = compile(['-include', inc], join(work, 'b.o'), withPch);
    }
    let r = await c.done;
    if (r.code !== 0 && c.usePch) {
      // The diagnostics users see come from a compile exactly like a plain clang run.
      c = compile(c.extra, join(work, 'c.o'), false);
      r = await c.done;
    }
    if (r.code !== 0) throw compileError(source, r);

    const object = new Uint8Array(readFileSync(c.out));
    let spec: ObjectSpec;
    try {
      spec = new ObjectSpec(object);
    } catch (e) {
      if (e instanceof FormatError && /no BPF programs/.test(e.message))
        throw new BuildError(
          `${source} defines no BPF programs: put each program in a section, e.g. SEC("tracepoint/syscalls/sys_enter_openat") int handler(void *ctx)`,
        );
      throw e;
    }
    const meta = assembleMeta(
      { spec, name, docs, uses, headerRecords, headerName: opts.header, sourceName: source },
      warnings,
      notes,
    );
    const pkg = encodePackage(object, meta, {
      bpfkit: bpfkitVersion(),
      source: basename(sourceAbs),
      ...(vm ? { kernelBtfSha256: vm.btfSha256 } : {}),
    });
    renameOrCopy(c.out, objectPath);
    writeAtomic(packagePath, pkg);
    return {
      objectPath,
      packagePath,
      object,
      meta,
      diagnostics: r.stderr,
      warnings,
      notes,
      vmlinux: vm && { header: vm.header, generated: vm.generated },
    };
  } finally {
    clearTimeout(timer);
    rmSync(work, { recursive: true, force: true });
  }
}

interface Compile {
  out: string;
  done: Promise<ClangResult>;
  abort(): void;
  extra: string[];
  usePch: boolean;
}

function startCompile(
  clang: Clang,
  flags: string[],
  source: string,
  out: string,
  how: { extra: string[]; usePch: boolean },
): Compile {
  const ac = new AbortController();
  const done = runClang(clang, [...flags, '-c', source, '-o', out], { signal: ac.signal });
  return { out, done, abort: () => ac.abort(), ...how };
}

/**
 * Whether compiling with the precompiled vmlinux.h gives the same object as without: the PCH acts
 * as a prefix of the translation unit, so it is used only when the source's first line of code is
 * `#include "vmlinux.h"` (or <vmlinux.h>), that include finds our header (no vmlinux.h beside the
 * source), and no extra flags could change how the header reads (-D BPF_NO_PRESERVE_ACCESS_INDEX,
 * -I …). Comments before the include are fine.
 */
export function canCompileWithPch(source: string, cflags: string[] | undefined): boolean {
  if (cflags?.length) return false;
  if (existsSync(join(dirname(source), 'vmlinux.h'))) return false;
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch {
    return false;
  }
  const code = text.replace(/^(\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*/, '');
  return /^#[ \t]*include[ \t]*(<vmlinux\.h>|"vmlinux\.h")/.test(code);
}

async function astWhenReady(clang: Clang, vm: VmlinuxHeader | undefined, source: string, flags: string[]) {
  const pch = vm ? await ensurePch(clang, vm) : undefined;
  return dumpAst(clang, source, flags, pch, { stubDirs: skipDirs(vm) });
}

function skipDirs(vm: VmlinuxHeader | undefined): string[] {
  const dirs = ['/usr/include/', '/usr/local/include/', BPFKIT_INCLUDE_DIR + '/'];
  if (vm) dirs.push(vm.dir + '/');
  return dirs;
}

/**
 * The forced include that keeps sent types in BTF: one `.bpfkit.events` marker per event map (as
 * BPFKIT_MAP_EVENT would write it), or a generic one when the map is not known. In header mode the
 * header's structs come first, each marked (for the maps it is sent to, else generically) so that
 * the struct a local variable holds is in BTF too. Types reached only through a typedef of an
 * anonymous struct cannot be forward-declared and are left to the check in metadata.ts. Returns ''
 * when nothing is needed.
 */
export function markerInclude(uses: EventUse[], docs: SourceDocs | undefined, header: RecordInfo[] = []): string {
  const existing = new Set<string>();
  const markedTypes = new Set<string>();
  for (const [v, t] of docs?.varTypes ?? []) {
    if (!v.startsWith(MARKER_PREFIX)) continue;
    existing.add(v);
    const r = recordOf(t, true);
    if (r) markedTypes.add(r.name);
  }
  const wanted: { record: { tag: string; name: string }; map?: string }[] = [];
  for (const r of header) {
    const maps = uses.filter((u) => u.record?.name === r.name && u.map).map((u) => u.map);
    if (!maps.length) wanted.push({ record: r });
    for (const map of maps) wanted.push({ record: r, map });
  }
  for (const u of uses) if (u.record) wanted.push({ record: u.record, map: u.map });
  const lines: string[] = [];
  const done = new Set<string>();
  for (const { record, map } of wanted) {
    const perMap = map ? `${MARKER_PREFIX}_${map}` : undefined;
    // A type the source already marks is in BTF: no marker, so no second compile.
    if (markedTypes.has(record.name)) continue;
    let varName: string;
    if (perMap && !existing.has(perMap) && !done.has(perMap)) varName = perMap;
    else if (done.has(`type:${record.name}`)) continue;
    else varName = `${MARKER_PREFIX}auto_${record.name}`;
    if (existing.has(varName) || done.has(varName)) continue;
    done.add(varName);
    done.add(`type:${record.name}`);
    lines.push(
      `${record.tag} ${record.name};`,
      `${record.tag} ${record.name} *${varName} __attribute__((section("${MARKER_SECTION}"), used));`,
    );
  }
  if (!lines.length) return '';
  return `/* bpfkit build: keeps the types sent to user space in the object's BTF (see bpfkit.h) */\n${lines.join('\n')}\n`;
}

/**
 * The named structs and unions the header declares, in order. The header must be part of the
 * translation unit (the AST, or clang's dependency list `deps` for a header of macros only); one
 * that declares no struct exports nothing, which is fine.
 */
function headerStructs(
  header: string,
  docs: SourceDocs | undefined,
  source: string,
  deps: string | undefined,
  notes: string[],
): RecordInfo[] {
  const abs = resolve(header);
  if (!docs) return [];
  if (!docs.files.has(abs) && !dependsOn(deps, abs))
    throw new BuildError(`${header} is not included by ${source}, so its structs cannot be in the object: add #include "${basename(header)}"`);
  const recs = docs.records.filter((r) => r.file === abs);
  if (!recs.length) notes.push(`${header} declares no named struct or union, so no event type comes from it`);
  return recs;
}

/** Whether a make-style dependency file (clang -MD) lists `abs`, compared by real path. */
export function dependsOn(depsFile: string | undefined, abs: string): boolean {
  if (!depsFile) return false;
  let text: string;
  try {
    text = readFileSync(depsFile, 'utf8');
  } catch {
    return false;
  }
  const body = text.replace(/\\\n/g, ' ').replace(/^[^:]*:/, '');
  const want = realOrSelf(abs);
  return body
    .split(/(?<!\\)\s+/)
    .filter(Boolean)
    .some((p) => realOrSelf(resolve(p.replace(/\\ /g, ' '))) === want);
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

function compileError(source: string, r: ClangResult): CompileError {
  return new CompileError(source, r.stderr);
}

function mustBeFile(p: string): void {
  let ok: boolean;
  try {
    ok = statSync(p).isFile();
  } catch (e) {
    throw new NotFoundError(`${p}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, { what: 'file', key: p });
  }
  if (!ok) throw new BuildError(`${p} is not a file`, { file: p });
}

function renameOrCopy(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    writeAtomic(to, readFileSync(from));
  }
}

let versionCache: string | undefined;
/** bpfkit's version from package.json. */
export function bpfkitVersion(): string {
  versionCache ??= (
    JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  ).version;
  return versionCache;
}
