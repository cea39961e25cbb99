/**
 * The runner of aggregator tools (runqlat, biolatency, hardirqs…): load and attach as every tool
 * does (session.ts `loadTool`), print the banner, then every interval, and once more when stopped
 * by the caller's signal or the schedule's duration, a report built by the tool from its maps:
 * libbpf-tools' "\n" and -T time, then the tool's blocks as text, or one JSON object per block
 * with `time` added. Stops by itself after `count` reports. Needs what loadTool needs (root, BTF).
 */
import { clock } from '../cli/output/table.js';
import { toJson, type Decoded } from '../btf/decode.js';
import type { BpfObject } from '../object/collection.js';
import { ToolUsageError } from '../errors/index.js';
import { loadTool, type CommonOptions, type ToolIo } from './session.js';
import type { AggregateMaps, AggregatorTool, ReportBlock, Schedule } from './types.js';

/**
 * libbpf-tools' positional `[interval] [count]`: whole seconds and a number of reports, both
 * optional (no interval: report only when stopped). Throws ToolUsageError on a value that is not a
 * positive integer.
 */
export function intervalCount(operands: string[]): Schedule {
  const num = (text: string, what: string): number => {
    const n = /^\s*\+?\d+\s*$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > 0x7fffffff)
      throw new ToolUsageError(`invalid ${what}: ${text}`);
    return n;
  };
  return {
    interval: operands[0] !== undefined ? num(operands[0], 'interval') : undefined,
    count: operands[1] !== undefined ? num(operands[1], 'count') : undefined,
  };
}

/** libbpf-tools' report header: a blank line, then with -T the time as "%-8s". */
export function defaultReportHeader(o: { timestamp?: boolean }, now: Date): string {
  return o.timestamp ? `\n${clock(now).padEnd(8)}\n` : '\n';
}

/** Reads maps of a loaded object for AggregatorTool.report. */
export function aggregateMaps(obj: BpfObject): AggregateMaps {
  return {
    entries(name, opts = {}) {
      const map = obj.map(name);
      const isArray = map.typeName === 'array' || map.typeName === 'percpu_array';
      const zero = new Uint8Array(map.valueBufSize);
      const out: [Decoded, Decoded][] = [];
      for (const [k, v] of [...map.entryBytes()]) {
        out.push([map.decodeKey(k) as Decoded, map.decodeValue(v) as Decoded]);
        if (!opts.clear) continue;
        if (isArray) map.update(k, zero);
        else map.delete(k);
      }
      return out;
    },
  };
}

/** What ended a wait. */
type Wake = 'tick' | 'stop';

/**
 * Runs aggregator `tool` with parsed options `o` and its operands until stopped or its count is
 * reached; resolves once nothing is left in the kernel.
 */
export async function runAggregator<O extends CommonOptions>(
  tool: AggregatorTool<O>,
  o: O,
  operands: string[],
  io: ToolIo,
): Promise<void> {
  const schedule = tool.schedule(o, operands);
  const loaded = loadTool(tool, o, io);
  try {
    const maps = aggregateMaps(loaded.obj);
    if (!o.json) io.out(`${tool.banner(o)}\n`);
    const deadline = schedule.duration !== undefined ? Date.now() + schedule.duration * 1000 : undefined;
    for (let n = 1; ; n++) {
      const wake = await nextReport(io.signal, schedule.interval, deadline);
      printReport(tool, o, tool.report(maps, o), io);
      if (wake === 'stop' || n === schedule.count) break;
    }
  } finally {
    loaded.close();
  }
}

/** Prints one report's blocks as text (after the report header) or as JSON lines. */
function printReport<O extends CommonOptions>(
  tool: AggregatorTool<O>,
  o: O,
  blocks: ReportBlock[],
  io: ToolIo,
): void {
  if (blocks.length === 0 && tool.quietWhenEmpty) return;
  const now = new Date();
  if (o.json) {
    const time = now.toISOString();
    for (const b of blocks) if (b.json) io.out(`${toJson({ time, ...b.json })}\n`);
    return;
  }
  const header = tool.reportHeader
    ? tool.reportHeader(o, now)
    : defaultReportHeader(o as { timestamp?: boolean }, now);
  io.out(header + blocks.map((b) => b.text).join(''));
}

/**
 * Waits for the next report: `intervalSec` seconds ('tick'), or the signal or the deadline
 * ('stop'). The timer keeps Node's event loop alive, which nothing else does for an aggregator.
 */
function nextReport(
  signal: AbortSignal,
  intervalSec: number | undefined,
  deadline: number | undefined,
): Promise<Wake> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve('stop');
    const toDeadline = deadline !== undefined ? Math.max(0, deadline - Date.now()) : Infinity;
    const toTick = intervalSec !== undefined ? intervalSec * 1000 : Infinity;
    const wake: Wake = toTick < toDeadline ? 'tick' : 'stop';
    const ms = Math.min(toTick, toDeadline);
    // Without interval or deadline only the signal ends the wait; a timer still holds the loop.
    const timer = Number.isFinite(ms) ? setTimeout(() => done(wake), ms) : setInterval(() => {}, 0x7fffffff);
    const onAbort = (): void => done('stop');
    signal.addEventListener('abort', onAbort, { once: true });
    function done(w: Wake): void {
      clearInterval(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(w);
    }
  });
}
