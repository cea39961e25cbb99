/**
 * Kprobes and the kernel's traceable-function list. Kprobes need CONFIG_KPROBES (a `kprobe` perf PMU
 * or tracefs `kprobe_events`); the function list is tracefs `available_filter_functions`, which
 * locked-down kernels refuse to show. Both are detected, never assumed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { tracefsPath } from '../sys/mounts.js';
import { globMatch } from './pattern.js';
import type { Probe, ProbeType } from './types.js';

/** A function ftrace can hook, with the module that owns it (`vmlinux` for the kernel proper). */
export interface TraceableFunction {
  name: string;
  module: string;
}

/** The traceable functions, or why they could not be read. */
export type TraceableFunctions = { ok: true; funcs: TraceableFunction[] } | { ok: false; reason: string };

let traceableCache: TraceableFunctions | undefined;

/**
 * Parses `available_filter_functions` text: one `symbol` or `symbol [module]` per line. Lines ftrace
 * keeps for functions it could not patch (`__ftrace_invalid_address__…`) are dropped.
 */
export function parseFilterFunctions(text: string): TraceableFunction[] {
  const out: TraceableFunction[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const m = /^(\S+)(?:\s+\[([^\]]+)\])?/.exec(line);
    if (!m || m[1].startsWith('__ftrace_invalid_address_')) continue;
    out.push({ name: m[1], module: m[2] ?? 'vmlinux' });
  }
  return out;
}

/**
 * The kernel's traceable functions from tracefs `available_filter_functions` (cached). Needs tracefs
 * and CONFIG_DYNAMIC_FTRACE; kernel lockdown makes the file unreadable (EPERM), which is reported.
 */
export function traceableFunctions(): TraceableFunctions {
  if (traceableCache) return traceableCache;
  const path = tracefsPath('available_filter_functions');
  try {
    traceableCache = { ok: true, funcs: parseFilterFunctions(readFileSync(path, 'utf8')) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    traceableCache = {
      ok: false,
      reason:
        code === 'ENOENT'
          ? `${path} does not exist (kernel without dynamic ftrace)`
          : `the kernel refuses to show its traceable functions (reading ${path}: ${code}` +
            (code === 'EPERM' ? ', as under kernel lockdown)' : ')'),
    };
  }
  return traceableCache;
}

/** Whether the kernel can create kprobes, and if not, why (one sentence). */
export function kprobeSupport(): { available: true } | { available: false; reason: string } {
  if (existsSync('/sys/bus/event_source/devices/kprobe/type') || existsSync(tracefsPath('kprobe_events'))) {
    return { available: true };
  }
  return {
    available: false,
    reason:
      'this kernel has no kprobes (no kprobe perf PMU in /sys/bus/event_source/devices and no tracefs kprobe_events: CONFIG_KPROBES is off)',
  };
}

/** Functions the kernel refuses to kprobe, from debugfs `kprobes/blacklist` (empty when unreadable). */
export function kprobeBlacklist(): Set<string> {
  const out = new Set<string>();
  let text: string;
  try {
    text = readFileSync('/sys/kernel/debug/kprobes/blacklist', 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    // "0xffffffff81000000-0xffffffff81000010\tfunc_name [module]"
    const f = line.trim().split(/\s+/);
    if (f.length >= 2) out.add(f[1]);
  }
  return out;
}

/**
 * Kprobe (or kretprobe) hooks matching `rest` (`vfs_*`, or `module:func` globs which also switch the
 * output to `kprobe:<module>:<func>`). Returns [] plus `reason` when kprobes or the function list are
 * unavailable.
 */
export function listKprobes(type: ProbeType, rest: string | undefined): { probes: Probe[]; reason?: string } {
  const support = kprobeSupport();
  if (!support.available) return { probes: [], reason: support.reason };
  const tf = traceableFunctions();
  if (!tf.ok) return { probes: [], reason: `cannot list kprobe targets: ${tf.reason}` };
  const black = kprobeBlacklist();
  const qualified = rest !== undefined && rest.includes(':');
  const probes: Probe[] = [];
  for (const f of tf.funcs) {
    if (black.has(f.name)) continue;
    if (rest !== undefined && !globMatch(rest, qualified ? `${f.module}:${f.name}` : f.name)) continue;
    probes.push({
      type,
      probe: qualified ? `${type}:${f.module}:${f.name}` : `${type}:${f.name}`,
      module: f.module,
      name: f.name,
      available: true,
    });
  }
  return { probes };
}
