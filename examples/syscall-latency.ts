/**
 * syscall-latency: a log2 histogram of system-call latency (entry to exit, nanoseconds), read from
 * a per-CPU array map every second; each print covers the last second.
 *
 *   node --import tsx examples/syscall-latency.ts [--pid PID] [--duration SECONDS]
 *
 * Needs root; builds examples/syscall-latency.bpf.c with clang at start.
 */
import { parseArgs } from 'node:util';
import { load } from 'bpfkit';
import { buildExample, positive, runExample, untilStopped } from './common.js';

await runExample('syscall-latency', async () => {
  const { values } = parseArgs({ options: { pid: { type: 'string' }, duration: { type: 'string' } } });
  const duration = positive('duration', values.duration);

  const { spec } = await buildExample('syscall-latency');
  spec.setGlobal('target_pid', values.pid ?? 0); // BadValueError (one line, exit 2) when it is no pid_t
  using obj = await load(spec, { name: 'syscall_lat' });
  obj.attachAll();
  const hist = obj.map('hist');

  /** Totals per slot over all CPUs, cumulative since load. */
  function totals(): bigint[] {
    const out = new Array<bigint>(hist.maxEntries).fill(0n);
    for (const [slot, perCpu] of hist.lookupBatch() as [number, bigint[]][]) {
      out[slot] = perCpu.reduce((a, b) => a + b, 0n);
    }
    return out;
  }

  /** libbpf-tools' log2 histogram layout. */
  function render(counts: bigint[]): string {
    let last = counts.length - 1;
    while (last >= 0 && counts[last] === 0n) last--;
    const max = counts.reduce((a, b) => (b > a ? b : a), 0n);
    const lines = ['     nsecs               : count    distribution'];
    for (let i = 0; i <= last; i++) {
      const lo = i === 0 ? 0 : 2 ** i;
      const hi = 2 ** (i + 1) - 1;
      const bar = max > 0n ? Number((counts[i] * 40n) / max) : 0;
      const range = `${String(lo).padStart(10)} -> ${String(hi).padEnd(10)}`;
      lines.push(`${range}: ${String(counts[i]).padEnd(8)} |${'*'.repeat(bar).padEnd(40)}|`);
    }
    return lines.join('\n');
  }

  let previous = totals();
  const timer = setInterval(() => {
    const now = totals();
    const interval = now.map((n, i) => n - previous[i]);
    previous = now;
    const calls = interval.reduce((a, b) => a + b, 0n);
    console.log(`\n${new Date().toLocaleTimeString('en-GB')}  ${calls} system calls`);
    console.log(render(interval));
  }, 1000);
  await untilStopped(duration);
  clearInterval(timer);
});
