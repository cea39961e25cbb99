/**
 * Which processes hold BPF objects open: scans /proc/<pid>/fd for the anonymous inodes of BPF
 * objects and reads the object id from /proc/<pid>/fdinfo/<fd>. This is what bpftool gets from its
 * task-file iterator, done with plain procfs reads (needs root to see other users' processes).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { ObjKind } from '../sys/bpf.js';

/** A process holding an object. */
export interface ObjRef {
  pid: number;
  comm: string;
}

/** Object id → holders, each process once, in pid order. */
export type RefTable = Map<number, ObjRef[]>;

const INODE: Record<ObjKind, string> = {
  prog: 'anon_inode:bpf-prog',
  map: 'anon_inode:bpf-map',
  link: 'anon_inode:bpf_link',
  btf: 'anon_inode:btf',
};

/** Holders of every open object of `kind`, skipping this process (its fds are transient). */
export function objectRefs(kind: ObjKind): RefTable {
  const table: RefTable = new Map();
  const key = new RegExp(`^${kind}_id:\\s*(\\d+)$`, 'm');
  const pids = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((p) => p !== process.pid)
    .sort((a, b) => a - b);
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to look at
    }
    let comm: string | undefined;
    const seen = new Set<number>();
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== INODE[kind]) continue;
        const m = key.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
        if (!m) continue;
        const id = Number(m[1]);
        if (seen.has(id)) continue;
        seen.add(id);
        comm ??= readFileSync(`/proc/${pid}/comm`, 'utf8').replace(/\n$/, '');
        const l = table.get(id);
        if (l) l.push({ pid, comm });
        else table.set(id, [{ pid, comm }]);
      } catch {
        // fd closed or process exited while we looked
      }
    }
  }
  return table;
}

/** `comm(pid), comm2(pid2)` as bpftool prints holders, or '' when none. */
export function formatRefs(refs: ObjRef[] | undefined): string {
  return (refs ?? []).map((r) => `${r.comm}(${r.pid})`).join(', ');
}

/** A `key: value` line of /proc/self/fdinfo/<fd> (memlock, frozen, owner_prog_type…), if present. */
export function fdinfoField(fd: number, field: string): string | undefined {
  try {
    const text = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    const m = new RegExp(`^${field}:\\s*(.*)$`, 'm').exec(text);
    return m ? m[1] : undefined;
  } catch {
    return undefined;
  }
}
