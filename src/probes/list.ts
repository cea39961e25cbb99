/**
 * `listProbes`: every hook matching a bpftrace-style pattern, from tracefs, BTF, the kernel's
 * traceable-function list, perf event tables and ELF symbols, sorted and de-duplicated as bpftrace -l
 * prints them. Which sources it touches depends on the pattern; each needs what its module says.
 */
import { BpfkitError } from '../errors/index.js';
import { listBtfFunctions, listRawTracepoints } from './btf-funcs.js';
import { kprobeSupport, listKprobes, traceableFunctions } from './kprobes.js';
import { globMatch, hasWildcard, parsePattern } from './pattern.js';
import { listPerfEvents, perfEventProblem } from './perf-events.js';
import { listTracepoints, tracepointArgs } from './tracepoints.js';
import { listUprobes } from './uprobes.js';
import type { ListOptions, Probe, ProbeType } from './types.js';

/** Probes plus one-sentence notes about hooks the kernel lists but will not attach, or lacks. */
export interface ListResult {
  probes: Probe[];
  notes: string[];
}

/** Byte-wise order, as bpftrace's std::set of names sorts. */
function byName(a: Probe, b: Probe): number {
  return a.probe < b.probe ? -1 : a.probe > b.probe ? 1 : 0;
}

function tracepoints(rest: string | undefined, verbose: boolean): Probe[] {
  // `tracepoint:sched` names a category: list its events.
  if (rest !== undefined && !rest.includes(':') && !hasWildcard(rest)) rest = `${rest}:*`;
  const out: Probe[] = [];
  for (const tp of listTracepoints()) {
    const full = `${tp.category}:${tp.name}`;
    if (rest !== undefined && !globMatch(rest, full)) continue;
    const p: Probe = {
      type: 'tracepoint',
      probe: `tracepoint:${full}`,
      category: tp.category,
      name: tp.name,
      available: true,
    };
    if (verbose) p.args = tracepointArgs(tp.category, tp.name);
    out.push(p);
  }
  return out;
}

/** Whether a provider can attach programs here (only asked when the provider was not named outright). */
function providerUsable(type: ProbeType): boolean {
  switch (type) {
    case 'kprobe':
    case 'kretprobe':
      return kprobeSupport().available;
    case 'fentry':
    case 'fexit':
      return traceableFunctions().ok;
    case 'software':
    case 'hardware':
      return perfEventProblem(type) === undefined;
    default:
      return true;
  }
}

/**
 * Lists the probes matching `pattern` (bpftrace -l syntax: `tracepoint:syscalls:sys_enter_open*`,
 * `uprobe:/bin/bash:read*`, `fentry:vfs_*`, …; undefined = every kernel provider), with the notes
 * a user should see. Providers named outright that the kernel cannot attach are still listed where
 * they can be enumerated (fentry from BTF), marked `available: false`.
 */
export function listProbesDetailed(pattern: string | undefined, opts: ListOptions = {}): ListResult {
  const parsed = parsePattern(pattern);
  const verbose = opts.verbose ?? false;
  let providers = parsed.providers;
  // -p without an explicit provider means "what can I hook in this process".
  if (opts.pid !== undefined && !parsed.explicit) providers = ['uprobe'];
  const explicit = parsed.explicit || opts.pid !== undefined;
  const notes: string[] = [];
  const all: Probe[] = [];
  for (const type of providers) {
    if (!explicit && !providerUsable(type)) continue;
    let found: Probe[];
    try {
      switch (type) {
        case 'tracepoint':
          found = tracepoints(parsed.rest, verbose);
          break;
        case 'rawtracepoint':
          found = listRawTracepoints(parsed.rest, verbose);
          break;
        case 'kprobe':
        case 'kretprobe': {
          const r = listKprobes(type, parsed.rest);
          if (r.reason) notes.push(r.reason);
          found = r.probes;
          break;
        }
        case 'fentry':
        case 'fexit':
          found = listBtfFunctions(type, parsed.rest, verbose);
          break;
        case 'software':
        case 'hardware':
          found = listPerfEvents(type, parsed.rest);
          break;
        case 'uprobe':
        case 'uretprobe':
          found = listUprobes(type, parsed.rest, opts.pid);
          break;
      }
    } catch (e) {
      // A missing source (tracefs, BTF) fails a listing that asked for it, and is a note otherwise.
      if (explicit || !(e instanceof BpfkitError)) throw e;
      notes.push(e.message);
      continue;
    }
    const blocked = found.find((p) => !p.available);
    if (blocked?.note) notes.push(`${type} probes are listed but cannot be attached here: ${blocked.note}`);
    all.push(...found);
  }
  const seen = new Set<string>();
  const probes = all.filter((p) => {
    if (parsed.whole !== undefined && !globMatch(parsed.whole, p.probe)) return false;
    if (seen.has(p.probe)) return false;
    seen.add(p.probe);
    return true;
  });
  probes.sort(byName);
  return { probes, notes: [...new Set(notes)] };
}

/** The probes matching `pattern` (see listProbesDetailed), sorted as bpftrace -l sorts them. */
export function listProbes(pattern: string | undefined, opts: ListOptions = {}): Probe[] {
  return listProbesDetailed(pattern, opts).probes;
}

/** A probe as `bpftrace -l` prints it; with `verbose`, its arguments follow, indented 4 spaces. */
export function formatProbe(p: Probe, verbose = false): string {
  if (!verbose || !p.args) return p.probe;
  return [p.probe, ...p.args.map((a) => `    ${a.decl ?? `${a.type} ${a.name}`}`)].join('\n');
}

/** A probe as one JSON object (one line); `args` only when listed verbosely. */
export function probeJson(p: Probe): string {
  const o: Record<string, unknown> = { type: p.type, probe: p.probe };
  if (p.category !== undefined) o.category = p.category;
  if (p.module !== undefined) o.module = p.module;
  if (p.path !== undefined) o.path = p.path;
  o.name = p.name;
  if (p.address !== undefined) o.address = p.address;
  o.available = p.available;
  if (p.note !== undefined) o.note = p.note;
  if (p.args) o.args = p.args.map(({ decl: _decl, ...a }) => a);
  return JSON.stringify(o);
}
