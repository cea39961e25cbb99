/**
 * Block devices by name and number from /proc/partitions, numbered as libbpf-tools' BPF sides
 * number them: major << 20 | minor (the kernel's internal MKDEV). Reads a file; no root needed.
 */
import { readFileSync } from 'node:fs';

/** The kernel's dev_t layout: minor in the low 20 bits. */
const MINOR_BITS = 20;

/** A disk or partition: its name (sda, loop0, nvme0n1p1) and number. */
export interface Partition {
  name: string;
  dev: number;
}

/** The device number of major:minor as the BPF side computes it. */
export function mkdev(major: number, minor: number): number {
  return ((major << MINOR_BITS) | minor) >>> 0;
}

/** Every line of /proc/partitions (`major minor #blocks name`), parsed. */
export function partitions(text = readProc()): Partition[] {
  const out: Partition[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+\d+\s+(\S+)\s*$/.exec(line);
    if (m) out.push({ name: m[3], dev: mkdev(Number(m[1]), Number(m[2])) });
  }
  return out;
}

function readProc(): string {
  try {
    return readFileSync('/proc/partitions', 'utf8');
  } catch {
    return '';
  }
}
