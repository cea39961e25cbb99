/**
 * Software and hardware perf events bpftrace can hook (`software:<event>:`, `hardware:<event>:`),
 * from the kernel's fixed event tables. Software events need CONFIG_PERF_EVENTS; hardware events
 * need a CPU PMU (/sys/bus/event_source/devices/cpu*), which most VMs lack.
 */
import { existsSync, readdirSync } from 'node:fs';
import { globMatch } from './pattern.js';
import type { Probe, ProbeType } from './types.js';

/** One perf event: its name and short alias, and the perf config value (PERF_COUNT_SW_* / _HW_*). */
export interface PerfEventDef {
  name: string;
  alias?: string;
  config: number;
}

/** PERF_TYPE_SOFTWARE events (config = enum perf_sw_ids). */
export const SOFTWARE_EVENTS: readonly PerfEventDef[] = [
  { name: 'cpu-clock', alias: 'cpu', config: 0 },
  { name: 'task-clock', config: 1 },
  { name: 'page-faults', alias: 'faults', config: 2 },
  { name: 'context-switches', alias: 'cs', config: 3 },
  { name: 'cpu-migrations', config: 4 },
  { name: 'minor-faults', config: 5 },
  { name: 'major-faults', config: 6 },
  { name: 'alignment-faults', config: 7 },
  { name: 'emulation-faults', config: 8 },
  { name: 'dummy', config: 9 },
  { name: 'bpf-output', config: 10 },
];

/** PERF_TYPE_HARDWARE events (config = enum perf_hw_id). */
export const HARDWARE_EVENTS: readonly PerfEventDef[] = [
  { name: 'cpu-cycles', alias: 'cycles', config: 0 },
  { name: 'instructions', config: 1 },
  { name: 'cache-references', config: 2 },
  { name: 'cache-misses', config: 3 },
  { name: 'branch-instructions', alias: 'branches', config: 4 },
  { name: 'branch-misses', config: 5 },
  { name: 'bus-cycles', config: 6 },
  { name: 'frontend-stalls', config: 7 },
  { name: 'backend-stalls', config: 8 },
  { name: 'ref-cycles', config: 9 },
];

const DEVICES = '/sys/bus/event_source/devices';

/** Why events of `type` cannot be opened on this machine, or undefined when they can. */
export function perfEventProblem(type: 'software' | 'hardware'): string | undefined {
  if (type === 'software') {
    return existsSync(`${DEVICES}/software`)
      ? undefined
      : 'this kernel has no perf events (CONFIG_PERF_EVENTS)';
  }
  let devs: string[] = [];
  try {
    devs = readdirSync(DEVICES);
  } catch {
    // no sysfs perf bus at all
  }
  // cpu (most x86/arm), cpu_core/cpu_atom (hybrid Intel), armv8_pmuv3* (arm64)
  return devs.some((d) => d === 'cpu' || d.startsWith('cpu_') || d.startsWith('armv'))
    ? undefined
    : 'this machine has no hardware PMU (no CPU event source in /sys/bus/event_source/devices)';
}

/** Perf event probes of `type` (names and aliases both listed) matching `rest` (`cpu*`, `cs:`…). */
export function listPerfEvents(type: 'software' | 'hardware', rest: string | undefined): Probe[] {
  const table = type === 'software' ? SOFTWARE_EVENTS : HARDWARE_EVENTS;
  const problem = perfEventProblem(type);
  const probes: Probe[] = [];
  for (const ev of table) {
    for (const name of ev.alias ? [ev.name, ev.alias] : [ev.name]) {
      if (rest !== undefined && !globMatch(rest, name) && !globMatch(rest, `${name}:`)) continue;
      const p: Probe = { type: type as ProbeType, probe: `${type}:${name}:`, name, available: !problem };
      if (problem) p.note = problem;
      probes.push(p);
    }
  }
  return probes;
}
