/**
 * The run of a tool that aggregates in kernel maps and reports at intervals (syscount): open its
 * package, pick its programs (hooks.ts), set globals, load, attach, then call `report` every
 * `interval` seconds and once more when stopped, with libbpf-tools' timing: without an interval,
 * one report when stopped (Ctrl-C, SIGTERM, or the duration); with one, a report at each interval
 * and one when stopped early; the duration is counted in whole intervals (`-i 2 -d 5` reports at
 * 2, 4 and 6 s). Everything is detached and closed before it resolves. Needs root (or CAP_BPF +
 * CAP_PERFMON) and kernel BTF.
 *
 * Kept apart from the tools' own code so that it can give way to a general aggregator runner.
 */
import { BpfObject } from '../object/collection.js';
import { setLibbpfLog } from '../sys/libbpf-log.js';
import { planHooks } from './hooks.js';
import { loadToolPackage } from './package.js';
import { setCgroup, type CommonOptions, type ToolIo } from './session.js';
import type { HookSpec, ToolSetup } from './types.js';

/** What the loop needs of a tool. */
export interface ReportingTool<O> {
  name: string;
  hooks: HookSpec<O>[];
  /** Sets globals from the options, before load. */
  configure(o: O, setup: ToolSetup): void;
}

/** When reports come, in seconds. */
export interface ReportSchedule {
  /** Seconds between reports; 0: only when stopped. */
  interval: number;
  /** Stop after this long (whole intervals, or seconds without one). */
  duration?: number;
}

/** Callbacks of one run: once attached, and each report (`last` for the one before stopping). */
export interface ReportHandlers {
  started?(obj: BpfObject): void;
  report(obj: BpfObject, last: boolean): void;
}

/** Runs `tool` with options `o` until stopped, reporting on `schedule`. */
export async function runReports<O extends CommonOptions>(
  tool: ReportingTool<O>,
  o: O,
  io: ToolIo,
  schedule: ReportSchedule,
  on: ReportHandlers,
): Promise<void> {
  const pkg = loadToolPackage(tool.name);
  if (o.verbose) setLibbpfLog((_level, line) => io.err(line));
  const obj = BpfObject.open(pkg.object, { name: tool.name });
  try {
    const plan = planHooks(tool.hooks, obj.spec.programs, o);
    for (const p of obj.spec.programs) obj.setAutoload(p.name, plan.programs.has(p.name));
    if (o.verbose) for (const l of plan.lines) io.err(`${tool.name}: ${l}\n`);
    tool.configure(o, { setGlobal: (name, value) => obj.setGlobal(name, value) });
    if (o.cgroup !== undefined) obj.setGlobal('filter_cg', true);
    obj.load();
    if (o.cgroup !== undefined) setCgroup(obj, o.cgroup);
    obj.attachAll();
    on.started?.(obj);
    await ticks(io.signal, schedule, (last) => on.report(obj, last));
  } finally {
    obj.close();
    if (o.verbose) setLibbpfLog(undefined);
  }
}

/** Calls `tick` on `schedule` until `signal` aborts or the duration is reached. */
async function ticks(signal: AbortSignal, s: ReportSchedule, tick: (last: boolean) => void): Promise<void> {
  const step = s.interval || 1;
  let elapsed = 0;
  for (;;) {
    const stopped = await sleep(step, signal);
    if (!stopped) elapsed += step;
    const last = stopped || (s.duration !== undefined && elapsed >= s.duration);
    if (s.interval || last) tick(last);
    if (last) return;
  }
}

/** Waits `seconds`; resolves true when `signal` aborted first (or already had). */
function sleep(seconds: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(true);
    const onAbort = (): void => done(true);
    const timer = setTimeout(() => done(false), seconds * 1000);
    signal.addEventListener('abort', onAbort, { once: true });
    function done(aborted: boolean): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(aborted);
    }
  });
}
