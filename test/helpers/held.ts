/**
 * What a process holds in the kernel, read from /proc/<pid>/fd and fdinfo (program, map and link
 * ids), and whether those objects are gone, asked of bpftool (the peer). Tests use them to check
 * their own child's objects, never by name (other sessions load programs meanwhile).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** BPF object ids a process holds through its fds. */
export interface HeldIds {
  progs: number[];
  maps: number[];
  links: number[];
  /** Perf events it has open (a tracepoint attachment, perf buffer rings). */
  perfEvents: number;
  /** Number of open fds of the process. */
  fds: number;
}

const KINDS = [
  ['bpf-prog', 'prog_id', 'progs'],
  ['bpf-map', 'map_id', 'maps'],
  ['bpf_link', 'link_id', 'links'],
] as const;

/** The ids `pid` holds now (empty lists once it is gone). */
export function heldIds(pid: number): HeldIds {
  const held: HeldIds = { progs: [], maps: [], links: [], perfEvents: 0, fds: 0 };
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return held;
  }
  held.fds = fds.length;
  for (const fd of fds) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target === 'anon_inode:[perf_event]') held.perfEvents++;
      const kind = KINDS.find(([inode]) => target === `anon_inode:${inode}`);
      if (!kind) continue;
      const m = new RegExp(`^${kind[1]}:\\s*(\\d+)`, 'm').exec(
        readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'),
      );
      if (m && !held[kind[2]].includes(Number(m[1]))) held[kind[2]].push(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return held;
}

/** Whether bpftool still finds `kind` object `id`. */
function exists(kind: 'prog' | 'map' | 'link', id: number): boolean {
  try {
    execFileSync('bpftool', [kind, 'show', 'id', String(id)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Which of `held` still exist once the kernel had up to `timeoutMs` to free them (it releases some
 * program types a few tens of ms after their last fd closes), as "prog 12" strings.
 */
export async function stillLoaded(held: HeldIds, timeoutMs = 1000): Promise<string[]> {
  const all = [
    ...held.progs.map((id) => ['prog', id] as const),
    ...held.maps.map((id) => ['map', id] as const),
    ...held.links.map((id) => ['link', id] as const),
  ];
  const end = Date.now() + timeoutMs;
  let left = all.filter(([k, id]) => exists(k, id));
  while (left.length && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
    left = left.filter(([k, id]) => exists(k, id));
  }
  return left.map(([k, id]) => `${k} ${id}`);
}

/** Whether process `pid` still exists (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}
