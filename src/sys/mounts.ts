/**
 * Makes sure the pseudo file systems tracing needs are mounted: tracefs (tracepoint ids, trace_pipe),
 * debugfs and bpffs. Fresh machines often lack them; as root we mount them ourselves.
 */
import { readFileSync } from 'node:fs';
import koffi from 'koffi';
import { errnoName } from '../errors/index.js';

/** Where tracefs is mounted (or will be). */
export const TRACEFS = '/sys/kernel/tracing';
const WANTED = [
  { type: 'tracefs', target: TRACEFS },
  { type: 'debugfs', target: '/sys/kernel/debug' },
  { type: 'bpf', target: '/sys/fs/bpf' },
] as const;

let done = false;

/** Mount points of the given file-system type, from /proc/mounts. */
export function mountPoints(fsType: string): string[] {
  try {
    return readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f[2] === fsType)
      .map((f) => f[1]);
  } catch {
    return [];
  }
}

/**
 * Mounts tracefs, debugfs and bpffs where they are missing. Needs root (CAP_SYS_ADMIN); without it,
 * does nothing and returns the problems so callers can name them if an attach later fails.
 */
export function ensureMounts(): string[] {
  if (done) return [];
  done = true;
  const problems: string[] = [];
  let mount: ((src: string, target: string, type: string, flags: number, data: null) => number) | undefined;
  for (const w of WANTED) {
    if (mountPoints(w.type).includes(w.target)) continue;
    if (process.getuid?.() !== 0) {
      problems.push(`${w.type} is not mounted at ${w.target} (need root to mount it)`);
      continue;
    }
    mount ??= koffi
      .load('libc.so.6')
      .func(
        'int mount(const char *src, const char *target, const char *type, unsigned long flags, void *data)',
      );
    if (mount(w.type, w.target, w.type, 0, null) !== 0) {
      const e = koffi.errno();
      if (e !== 16 /* EBUSY: raced with another mounter */) {
        problems.push(`cannot mount ${w.type} at ${w.target}: ${errnoName(e)}`);
      }
    }
  }
  return problems;
}

/** Path of a file under tracefs (mounting it first when we can). */
export function tracefsPath(rel: string): string {
  ensureMounts();
  return `${TRACEFS}/${rel}`;
}
