/**
 * `loadTarget`: turns what the user gave `bpfkit run` into a RunTarget (object bytes + metadata).
 * Accepted: a bpfkit package (`.bpfkit.json`), an eunomia-bpf `package.json`, a raw BPF object
 * (`.bpf.o`), a directory holding one package, an http(s) URL of any of these, or `-` for stdin.
 * The kind is sniffed from the content, not the name. Loading never runs clang or reads the source:
 * a package copied anywhere runs the same. Needs no kernel.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BadValueError, FormatError, NotFoundError, ReadError } from '../errors/index.js';
import { fromEunomia, isEunomiaPackage } from './eunomia.js';
import { decodePackage, isPackageFile, PACKAGE_SUFFIX } from './format.js';
import { nameFromPath, objectMeta } from './meta.js';
import { jsonErrorPosition } from './json-position.js';
import { parseObject } from './parse-object.js';
import type { ObjectSpec } from '../spec/object.js';
import type { PackageMeta, RunTarget } from './types.js';

/** Where the bytes came from (overridable for tests). */
export interface ReadOptions {
  /** Reads all of stdin (default: process.stdin). */
  readStdin?: () => Promise<Uint8Array>;
  /** fetch implementation (default: the global fetch). */
  fetch?: typeof fetch;
}

/** Loads `source` (path, directory, URL or `-`); throws BpfkitError/FormatError with a one-line reason. */
export async function loadTarget(source: string, opts: ReadOptions = {}): Promise<RunTarget> {
  let data: Uint8Array;
  let nameHint: string;
  if (source === '-') {
    data = await (opts.readStdin ?? readStdin)();
    nameHint = 'stdin';
    if (data.length === 0)
      throw new NotFoundError('stdin is empty: pipe a package or object into `bpfkit run -`', {
        what: 'package',
        key: '-',
      });
  } else if (/^https?:\/\//i.test(source)) {
    data = await download(source, opts.fetch ?? fetch);
    nameHint = new URL(source).pathname;
  } else {
    const path = resolveDir(source);
    data = readLocal(path);
    nameHint = path;
  }
  return { source, ...parseTarget(data, source, nameHint) };
}

/** A package (or bare object) read from disk, a URL or stdin: its parsed object and its metadata. */
export interface PackageSpec {
  /** What was read, as given (path, URL, `-`). */
  source: string;
  /** The object, parsed; set globals on it, then `load(spec)`. */
  spec: ObjectSpec;
  /** What `bpfkit build` recorded (event types, options, samples), or what a bare object implies. */
  meta?: PackageMeta;
}

/**
 * Reads a bpfkit package, an eunomia-bpf package.json or a BPF object from `source` (a path, a
 * directory holding one package, an http(s) URL, or `-` for stdin) and parses its object. Needs no
 * kernel. Throws NotFoundError, ReadError or FormatError naming `source`.
 */
export async function readPackage(source: string, opts: ReadOptions = {}): Promise<PackageSpec> {
  const t = await loadTarget(source, opts);
  return { source, spec: parseObject(t.object, source), meta: t.meta };
}

/** Decodes target bytes: ELF object, bpfkit package or eunomia package. */
export function parseTarget(
  data: Uint8Array,
  source: string,
  nameHint = source,
): Pick<RunTarget, 'object' | 'meta'> {
  if (data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46) {
    // A plain Uint8Array view (not a Buffer), like the objects decoded from packages.
    const object = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return { object, meta: objectMeta(parseObject(object, source), nameFromPath(nameHint)) };
  }
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // Text that opens like JSON was meant to be a package: say what is wrong with it, and where.
    if (/^\uFEFF?\s*[[{]/.test(text)) {
      const at = jsonErrorPosition(text);
      const where = at ? ` at line ${at.line}, column ${at.column}` : '';
      throw new FormatError(`${source}: invalid JSON${where}: ${(e as Error).message.split('\n')[0]}`);
    }
    throw new FormatError(
      `${source}: not a BPF object (.bpf.o), a bpfkit package (${PACKAGE_SUFFIX}) or an eunomia package.json`,
    );
  }
  if (isPackageFile(json)) {
    const p = decodePackage(json, source);
    return { object: p.object, meta: p.meta };
  }
  if (isEunomiaPackage(json)) return fromEunomia(json, source);
  if (typeof json === 'object' && json !== null && 'bpf_skel' in json)
    throw new FormatError(
      `${source}: an eunomia skeleton (.skel.json) holds no object: run its package.json instead`,
    );
  throw new FormatError(`${source}: JSON, but neither a bpfkit package nor an eunomia package.json`);
}

/** A directory stands for the one package in it (x.bpfkit.json, else package.json). */
function resolveDir(path: string): string {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    return path;
  }
  if (!isDir) return path;
  const names = readdirSync(path);
  const pkgs = names.filter((n) => n.endsWith(PACKAGE_SUFFIX));
  if (pkgs.length === 1) return join(path, pkgs[0]);
  if (pkgs.length > 1)
    throw new BadValueError(`${path} holds several packages (${pkgs.join(', ')}): name the one to run`, {
      target: 'target',
      value: path,
    });
  if (names.includes('package.json')) return join(path, 'package.json');
  throw new NotFoundError(`${path} is a directory without a ${PACKAGE_SUFFIX} or package.json`, {
    what: 'package',
    key: path,
  });
}

function readLocal(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`${path}: no such file`, { what: 'file', key: path });
    if (code === 'EACCES') throw new ReadError(`${path}: permission denied`, { path, code });
    throw new ReadError(`cannot read ${path}: ${code ?? (e as Error).message}`, { path, code });
  }
}

async function download(url: string, f: typeof fetch): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await f(url, { redirect: 'follow' });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new ReadError(`cannot fetch ${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`, {
      path: url,
      code: cause?.code,
    });
  }
  if (!res.ok)
    throw new ReadError(`cannot fetch ${url}: HTTP ${res.status} ${res.statusText}`.trim(), {
      path: url,
      code: `HTTP ${res.status}`,
    });
  return new Uint8Array(await res.arrayBuffer());
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
