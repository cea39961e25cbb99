/**
 * Command-line options generated from an object's globals: `--<name> <value>` for every settable
 * global (bools as flags), with types from BTF, and names, short letters, help and defaults from the
 * package metadata (`@cmdarg`, `@description`; for a bare object, what the object says by itself).
 */
import type { ObjectSpec, GlobalSpec } from '../../spec/object.js';
import type { GlobalMeta, PackageMeta } from '../../package/types.js';
import { decoderFor } from '../../btf/decode.js';
import type { Btf } from '../../btf/btf.js';
import type { Encodable } from '../../btf/encode.js';
import { isInternalGlobal, isSettable, isStaticGlobal } from '../../package/meta.js';

/** A generated option and the global it sets. */
export interface GlobalOption {
  global: GlobalSpec;
  long: string;
  short?: string;
  help: string;
  /** Default shown in --help. */
  defaultText: string;
  /** Bools become flags without a value. */
  flag: boolean;
  /**
   * The value `@cmdarg.default` asks for when the option is not given, if it differs from the
   * object's initial value (it is then set before load, as eunomia-bpf does).
   */
  metaDefault?: string | number | boolean;
  /** C type, for help. */
  typeName: string;
  /**
   * For an unsigned integer whose initial value or `@cmdarg` default is all ones, or whose help
   * mentions -1 (`/// User ID to trace (-1: all)`): the all-ones value that `-1` stands for, as the
   * C source's `(uid_t)-1` does. Other unsigned options refuse negative values.
   */
  allOnes?: bigint;
}

/** Names the run command uses itself; a global with one of these names is reachable with --set. */
export const RESERVED = new Set([
  'json',
  'duration',
  'interval',
  'verbose',
  'trace-pipe',
  'event-type',
  'btf',
  'uprobe',
  'uprobe-pid',
  'frequency',
  'set',
  'program',
  'no-program',
  'max-entries',
  'help',
  'version',
]);

/**
 * The options for the settable globals of `spec`. With metadata, exactly the globals it gives a
 * cmdarg; otherwise every non-static, non-internal global that is not a pointer.
 */
export function globalOptions(spec: ObjectSpec, meta?: PackageMeta): GlobalOption[] {
  const btf = spec.btf;
  if (!btf) return [];
  const out: GlobalOption[] = [];
  const shorts = new Set(['v', 'h', 'V']);
  for (const g of spec.globals) {
    const m: GlobalMeta | undefined = meta?.globals.find((x) => x.name === g.name);
    if (meta ? !m?.cmdarg : isInternalGlobal(g.name) || isStaticGlobal(btf, g.name) || !isSettable(btf, g))
      continue;
    const t = btf.resolve(g.type);
    const long = m?.cmdarg?.long ?? g.name;
    if (RESERVED.has(long)) continue;
    // A short letter the run command already uses (or a second global claims) is dropped, not fatal.
    let short = m?.cmdarg?.short;
    if (short && shorts.has(short)) short = undefined;
    if (short) shorts.add(short);
    const metaDefault = m?.cmdarg?.default;
    const initial = initialText(btf, g);
    const help = m?.cmdarg?.help ?? m?.description ?? '';
    const allOnes = allOnesFor(btf, g, [initial, String(metaDefault ?? '')], help);
    const defaultText = metaDefault !== undefined ? String(metaDefault) : initial;
    out.push({
      global: g,
      long,
      short,
      help,
      // Shown the way the option takes it.
      defaultText: allOnes !== undefined && defaultText === allOnes.toString() ? '-1' : defaultText,
      flag: t.kind === 'int' && t.bool,
      metaDefault: metaDefault !== undefined && String(metaDefault) !== initial ? metaDefault : undefined,
      typeName: btf.typeName(g.type).replace(/^(const |volatile )+/, ''),
      allOnes,
    });
  }
  return out;
}

/** The value of option `g` to set its global to: `-1` becomes all ones where g.allOnes says so. */
export function globalValue(g: GlobalOption, v: Encodable): Encodable {
  const minusOne = v === -1 || v === -1n || (typeof v === 'string' && v.trim() === '-1');
  return minusOne && g.allOnes !== undefined ? g.allOnes : v;
}

/** See GlobalOption.allOnes; `defaults` are the initial value and @cmdarg default as text. */
function allOnesFor(btf: Btf, g: GlobalSpec, defaults: string[], help: string): bigint | undefined {
  const t = btf.resolve(g.type);
  if (t.kind !== 'int' || t.signed || t.bool || t.size > 8) return undefined;
  const all = (1n << BigInt(t.size * 8)) - 1n;
  const said = defaults.some((d) => d === '-1' || d === all.toString()) || /(^|[^\w-])-1\b/.test(help);
  return said ? all : undefined;
}

/** The global's initial value as shown in --help ('' when it cannot be decoded). */
function initialText(btf: Btf, g: GlobalSpec): string {
  try {
    const v = decoderFor(btf, g.type)(g.initial);
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  } catch {
    return '';
  }
}
