/** CPU lists from sysfs: which CPUs are online (perf rings, sampling) and possible (per-CPU map slots). */
import { readFileSync } from 'node:fs';
import { FormatError } from '../errors/index.js';

/** Parses a kernel CPU list such as "0-3,5,7-8"; throws FormatError on anything else. */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    if (!part) continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new FormatError(`bad CPU list '${text.trim()}'`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let c = lo; c <= hi; c++) out.push(c);
  }
  return out;
}

/** Online CPUs (/sys/devices/system/cpu/online). */
export function onlineCpus(): number[] {
  return parseCpuList(readFileSync('/sys/devices/system/cpu/online', 'utf8'));
}

/** Possible CPUs (/sys/devices/system/cpu/possible): per-CPU maps hold one slot for each. */
export function possibleCpus(): number[] {
  return parseCpuList(readFileSync('/sys/devices/system/cpu/possible', 'utf8'));
}
