/**
 * Interrupt counts the kernel itself keeps (/proc/interrupts, /proc/softirqs), summed over CPUs,
 * for the hardirqs and softirqs tests to check that each interrupt is counted once.
 */
import { readFileSync } from 'node:fs';

/** Hard interrupt counts by handler name (the last column of /proc/interrupts). */
export function hardIrqCounts(): Map<string, number> {
  const out = new Map<string, number>();
  const [head, ...rows] = readFileSync('/proc/interrupts', 'utf8').trim().split('\n');
  const cpus = head.trim().split(/\s+/).length;
  for (const row of rows) {
    const f = row.trim().split(/\s+/);
    if (!/^\d+:$/.test(f[0]) || f.length < cpus + 2) continue;
    const n = f.slice(1, cpus + 1).reduce((s, x) => s + Number(x), 0);
    const name = f[f.length - 1];
    out.set(name, (out.get(name) ?? 0) + n);
  }
  return out;
}

/** Soft interrupt counts by vector name in lower case (net_rx, timer…), from /proc/softirqs. */
export function softIrqCounts(): Map<string, number> {
  const out = new Map<string, number>();
  for (const row of readFileSync('/proc/softirqs', 'utf8').trim().split('\n').slice(1)) {
    const [name, ...counts] = row.trim().split(/\s+/);
    out.set(
      name.replace(/:$/, '').toLowerCase(),
      counts.reduce((s, x) => s + Number(x), 0),
    );
  }
  return out;
}

/** How much each count grew from `before` to `after`. */
export function delta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)]));
}
