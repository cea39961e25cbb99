/** Probe discovery: what programs can hook on this machine, named as bpftrace names it. */
export { listProbes, listProbesDetailed, formatProbe, probeJson, type ListResult } from './list.js';
export {
  tracepointExists,
  tracepointFormat,
  listTracepoints,
  parseTracepointFormat,
  type TracepointField,
  type TracepointFormat,
} from './tracepoints.js';
export { functionSymbols } from './uprobes.js';
export { resolveBinary, mappedExecutables, findLibrary } from './binaries.js';
export { kprobeSupport, traceableFunctions } from './kprobes.js';
export { SOFTWARE_EVENTS, HARDWARE_EVENTS, perfEventProblem } from './perf-events.js';
export { parsePattern, globMatch } from './pattern.js';
export type { Probe, ProbeArg, ProbeType, ListOptions } from './types.js';
