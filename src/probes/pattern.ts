/**
 * Probe patterns as bpftrace takes them after `-l`: `provider:rest`, where `*` matches any run of
 * characters (colons included) and provider aliases (`t`, `k`, `u`, `kfunc`, …) name canonical types.
 * Kernel-independent.
 */
import { UsageError } from '../errors/index.js';
import type { ProbeType } from './types.js';

/** Providers listed when none is named (or the provider part is a wildcard): the kernel ones. */
export const KERNEL_PROVIDERS: readonly ProbeType[] = [
  'kprobe',
  'tracepoint',
  'rawtracepoint',
  'software',
  'hardware',
  'fentry',
];

const ALIASES: Record<string, ProbeType> = {
  tracepoint: 'tracepoint',
  t: 'tracepoint',
  rawtracepoint: 'rawtracepoint',
  rt: 'rawtracepoint',
  kprobe: 'kprobe',
  k: 'kprobe',
  kretprobe: 'kretprobe',
  kr: 'kretprobe',
  fentry: 'fentry',
  f: 'fentry',
  kfunc: 'fentry',
  fexit: 'fexit',
  fr: 'fexit',
  kretfunc: 'fexit',
  uprobe: 'uprobe',
  u: 'uprobe',
  uretprobe: 'uretprobe',
  ur: 'uretprobe',
  software: 'software',
  s: 'software',
  hardware: 'hardware',
  h: 'hardware',
};

/** bpftrace providers that exist but that this lister does not enumerate. */
const UNLISTED = new Set(['usdt', 'U', 'profile', 'p', 'interval', 'i', 'watchpoint', 'w', 'iter', 'it']);

/** A parsed pattern: which providers to ask, and how to filter what they return. */
export interface ProbePattern {
  /** Providers to enumerate. */
  providers: ProbeType[];
  /** True when the provider was named outright, so unavailable providers are still reported. */
  explicit: boolean;
  /**
   * Glob for the part after `provider:` (`syscalls:sys_enter_open*`, `/bin/bash:read*`); undefined
   * means everything.
   */
  rest?: string;
  /** For patterns without a provider: glob over the whole probe name. */
  whole?: string;
}

/** Splits a user pattern into providers and globs; throws UsageError for an unknown provider. */
export function parsePattern(pattern: string | undefined): ProbePattern {
  if (pattern === undefined || pattern === '' || pattern === '*' || pattern === '*:*') {
    return { providers: [...KERNEL_PROVIDERS], explicit: false };
  }
  const colon = pattern.indexOf(':');
  if (colon < 0 && ALIASES[pattern]) return { providers: [ALIASES[pattern]], explicit: true };
  if (colon < 0) {
    // No provider: bpftrace matches `*foo` against whole names; a bare word means "ends in :word".
    return {
      providers: [...KERNEL_PROVIDERS],
      explicit: false,
      whole: pattern.includes('*') ? pattern : `*:${pattern}`,
    };
  }
  const prov = pattern.slice(0, colon);
  const rest = pattern.slice(colon + 1);
  const restGlob = rest === '' || rest === '*' ? undefined : rest;
  if (prov.includes('*')) {
    const re = globRegExp(prov);
    return {
      providers: KERNEL_PROVIDERS.filter((p) => re.test(p)),
      explicit: false,
      rest: restGlob,
    };
  }
  const type = ALIASES[prov];
  if (!type) {
    if (UNLISTED.has(prov)) {
      throw new UsageError(`listing ${prov} probes is not supported (listable: ${listable()})`);
    }
    throw new UsageError(`unknown probe type '${prov}' (listable: ${listable()})`);
  }
  return { providers: [type], explicit: true, rest: restGlob };
}

function listable(): string {
  return [...new Set(Object.values(ALIASES))].join(', ');
}

const cache = new Map<string, RegExp>();

/** Compiles a bpftrace glob (`*` = any run of characters, everything else literal) to an anchored RegExp. */
export function globRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (!re) {
    const body = glob
      .split('*')
      .map((s) => s.replace(/[\\^$.|?+()[\]{}]/g, '\\$&'))
      .join('.*');
    re = new RegExp(`^${body}$`, 's');
    cache.set(glob, re);
  }
  return re;
}

/** Whether `text` matches the bpftrace glob `glob`. */
export function globMatch(glob: string, text: string): boolean {
  return globRegExp(glob).test(text);
}

/** Whether a string has wildcard characters. */
export function hasWildcard(s: string): boolean {
  return s.includes('*');
}
