/**
 * Command-line options generated from an object's globals: `--<name> <value>` for every settable
 * global (bools as flags), with types from BTF, and names, short letters and help from package
 * metadata (`@cmdarg`, `@description`) when there is some.
 */
import type { ObjectSpec, GlobalSpec } from '../../spec/object.js';
import type { PackageMeta } from '../../package/types.js';
import { decoderFor } from '../../btf/decode.js';
import type { Btf } from '../../btf/btf.js';

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
  /** C type, for help. */
  typeName: string;
}

/** Names the run command uses itself; a global with one of these names is reachable with --set. */
export const RESERVED = new Set([
  'json',
  'duration',
  'verbose',
  'trace-pipe',
  'event-type',
  'btf',
  'uprobe',
  'frequency',
  'set',
  'help',
  'version',
  'interval',
  'pid-uprobe',
]);

/** The options for the settable globals of `spec` (internal `__` names are skipped). */
export function globalOptions(spec: ObjectSpec, meta?: PackageMeta): GlobalOption[] {
  const btf = spec.btf;
  if (!btf) return [];
  const out: GlobalOption[] = [];
  for (const g of spec.globals) {
    if (g.name.startsWith('__')) continue;
    const m = meta?.globals.find((x) => x.name === g.name);
    const t = btf.resolve(g.type);
    const flag = t.kind === 'int' && t.bool;
    const defaultText = m?.cmdarg?.default !== undefined ? String(m.cmdarg.default) : initialText(btf, g);
    const long = m?.cmdarg?.long ?? g.name;
    if (RESERVED.has(long)) continue;
    out.push({
      global: g,
      long,
      short: m?.cmdarg?.short,
      help: m?.cmdarg?.help ?? m?.description ?? '',
      defaultText,
      flag,
      typeName: btf.typeName(g.type).replace(/^(const |volatile )+/, ''),
    });
  }
  return out;
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
