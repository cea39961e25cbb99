/**
 * The bpfkit package file, `<name>.bpfkit.json`: one JSON document holding a compiled BPF object and
 * the metadata `bpfkit run` needs without the source.
 *
 *     {
 *       "format": "bpfkit-package",
 *       "version": 1,
 *       "object": "<base64 of the gzip-compressed ELF object>",
 *       "objectSize": 13544,
 *       "objectSha256": "<hex sha256 of the uncompressed object>",
 *       "meta": { …PackageMeta… },
 *       "build": { "bpfkit": "0.1.0", "source": "opensnoop.bpf.c", "kernelBtfSha256": "…" }
 *     }
 *
 * Why this shape:
 * - One file, not an object plus a side file: it can be copied, mailed, served over https and run
 *   with `bpfkit run <url>` as a unit, and the metadata can never pair with the wrong object.
 * - JSON, pretty-printed: `jq .meta x.bpfkit.json` shows what a package does, diffs are readable,
 *   and eunomia-bpf users already ship `package.json` files of the same kind. The object is the one
 *   opaque field, extractable with standard tools:
 *   `jq -r .object x.bpfkit.json | base64 -d | gunzip > x.bpf.o`. That is why it is gzip and not
 *   zlib as in eunomia's package.json (whose `bpf_object` needs a zlib inflater; both are read).
 * - The name: `.bpfkit.json` says what reads it while staying `.json` for editors and web servers,
 *   and does not collide with npm's or eunomia's `package.json`.
 * - `format` + `version` identify the file without guessing; a newer version is refused with a
 *   clear message instead of being misread. `objectSize` and `objectSha256` catch truncated or
 *   altered downloads.
 * - The output is deterministic (gzip without a timestamp, no build time): the same build gives
 *   byte-identical packages.
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { FormatError } from '../errors/index.js';
import type { PackageMeta } from './types.js';

/** Value of the `format` field. */
export const PACKAGE_FORMAT = 'bpfkit-package';
/** The package format version this bpfkit writes and the newest it reads. */
export const PACKAGE_VERSION = 1;
/** File name suffix of packages. */
export const PACKAGE_SUFFIX = '.bpfkit.json';

/** Where a package came from (informational). */
export interface BuildInfo {
  /** bpfkit version that built it. */
  bpfkit: string;
  /** Source file name (base name only, so packages do not leak local paths). */
  source?: string;
  /** sha256 of the kernel BTF the vmlinux.h came from. */
  kernelBtfSha256?: string;
}

/** The JSON document of a package file. */
export interface PackageFile {
  format: typeof PACKAGE_FORMAT;
  version: number;
  object: string;
  objectSize: number;
  objectSha256: string;
  meta: PackageMeta;
  build?: BuildInfo;
}

/** A decoded package. */
export interface DecodedPackage {
  object: Uint8Array;
  meta: PackageMeta;
  build?: BuildInfo;
}

/** Serializes a package (pretty JSON, trailing newline). */
export function encodePackage(object: Uint8Array, meta: PackageMeta, build?: BuildInfo): string {
  const file: PackageFile = {
    format: PACKAGE_FORMAT,
    version: PACKAGE_VERSION,
    object: gzipSync(object, { level: 9 }).toString('base64'),
    objectSize: object.length,
    objectSha256: sha256(object),
    meta,
  };
  if (build) file.build = build;
  return JSON.stringify(file, null, 2) + '\n';
}

/** Whether parsed JSON claims to be a bpfkit package. */
export function isPackageFile(json: unknown): json is { format: string } {
  return (
    typeof json === 'object' && json !== null && (json as { format?: unknown }).format === PACKAGE_FORMAT
  );
}

/** Decodes a parsed package document; throws FormatError naming `source` when it is not valid. */
export function decodePackage(json: unknown, source: string): DecodedPackage {
  if (!isPackageFile(json))
    throw new FormatError(`${source}: not a bpfkit package (no "format": "${PACKAGE_FORMAT}")`);
  const f = json as Partial<PackageFile>;
  if (typeof f.version !== 'number' || f.version < 1)
    throw new FormatError(`${source}: bpfkit package without a valid "version"`);
  if (f.version > PACKAGE_VERSION)
    throw new FormatError(
      `${source}: package format version ${f.version} is newer than this bpfkit reads (${PACKAGE_VERSION}); upgrade bpfkit`,
    );
  if (typeof f.object !== 'string') throw new FormatError(`${source}: package has no "object"`);
  const object = inflateObject(f.object, source, 'object');
  if (typeof f.objectSize === 'number' && object.length !== f.objectSize)
    throw new FormatError(
      `${source}: object is ${object.length} bytes, the package says ${f.objectSize} (truncated or altered?)`,
    );
  if (typeof f.objectSha256 === 'string' && sha256(object) !== f.objectSha256)
    throw new FormatError(`${source}: object does not match its sha256 (altered or corrupted package)`);
  return { object, meta: checkMeta(f.meta, source), build: f.build };
}

/**
 * Decompresses base64 `data` holding a gzip or zlib stream (sniffed from its first bytes); `field`
 * names it in errors.
 */
export function inflateObject(data: string, source: string, field: string): Uint8Array {
  const z = Buffer.from(data, 'base64');
  try {
    if (z[0] === 0x1f && z[1] === 0x8b) return new Uint8Array(gunzipSync(z));
    if ((z[0] & 0x0f) === 8 && ((z[0] << 8) | z[1]) % 31 === 0) return new Uint8Array(inflateSync(z));
  } catch (e) {
    throw new FormatError(`${source}: "${field}" does not decompress: ${(e as Error).message}`);
  }
  throw new FormatError(`${source}: "${field}" is not base64 of gzip or zlib data`);
}

/** Checks the shape of a package's meta, filling missing lists (older or hand-written packages). */
export function checkMeta(m: unknown, source: string): PackageMeta {
  if (typeof m !== 'object' || m === null || Array.isArray(m))
    throw new FormatError(`${source}: package has no "meta" object`);
  const meta = m as Partial<PackageMeta>;
  if (typeof meta.name !== 'string' || !meta.name)
    throw new FormatError(`${source}: package meta has no "name"`);
  for (const k of ['programs', 'maps', 'globals', 'exportTypes'] as const) {
    if (meta[k] === undefined || meta[k] === null) meta[k] = [];
    else if (!Array.isArray(meta[k])) throw new FormatError(`${source}: package meta "${k}" is not a list`);
  }
  if (meta.alternatives !== undefined) checkAlternatives(meta.alternatives, source);
  return meta as PackageMeta;
}

/** Checks the shape of `meta.alternatives`: a list of {hook, rule, choices: string[][]}. */
function checkAlternatives(a: unknown, source: string): void {
  const ok =
    Array.isArray(a) &&
    a.every(
      (g: unknown) =>
        typeof g === 'object' &&
        g !== null &&
        typeof (g as { hook?: unknown }).hook === 'string' &&
        Array.isArray((g as { choices?: unknown }).choices) &&
        (g as { choices: unknown[] }).choices.every(
          (c) => Array.isArray(c) && c.every((n) => typeof n === 'string'),
        ),
    );
  if (!ok)
    throw new FormatError(
      `${source}: package meta "alternatives" must be a list of {"hook", "rule", "choices": [[program, …], …]}`,
    );
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}
