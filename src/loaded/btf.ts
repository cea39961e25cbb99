/**
 * BTF objects loaded in the kernel: listing them with the programs and maps that reference them
 * (`bpfkit btf list`). Needs CAP_SYS_ADMIN to walk ids. Fetching one by id is sys/btf-object.ts.
 */
import { allIds, closeFd, fdById, type ObjKind } from '../sys/bpf.js';
import { btfInfo, mapInfo, progInfo, type BtfInfo } from '../sys/objinfo.js';
import { NotFoundError } from '../errors/index.js';

/** One BTF object with its users. */
export interface BtfSummary {
  id: number;
  size: number;
  /** Kernel-assigned name ('vmlinux', a module name) or '' for program BTF. */
  name: string;
  kernel: boolean;
  progIds: number[];
  mapIds: number[];
}

/** Runs `fn` on a fresh fd for each live object of `kind` (objects vanishing meanwhile are skipped). */
function forEachObject(kind: ObjKind, fn: (fd: number, id: number) => void): void {
  for (const id of allIds(kind)) {
    const fd = fdById(kind, id);
    if (fd === undefined) continue;
    try {
      fn(fd, id);
    } finally {
      closeFd(fd);
    }
  }
}

/**
 * Every BTF object (or the one with `onlyId`), with the ids of programs and maps whose btf_id
 * names it, ascending.
 */
export function listBtf(onlyId?: number): BtfSummary[] {
  const progs = new Map<number, number[]>();
  const maps = new Map<number, number[]>();
  const add = (m: Map<number, number[]>, btfId: number, id: number): void => {
    if (!btfId) return;
    const l = m.get(btfId);
    if (l) l.push(id);
    else m.set(btfId, [id]);
  };
  forEachObject('prog', (fd, id) => add(progs, progInfo(fd).btfId, id));
  forEachObject('map', (fd, id) => add(maps, mapInfo(fd).btfId, id));
  const out: BtfSummary[] = [];
  const ids = onlyId === undefined ? allIds('btf') : [onlyId];
  for (const id of ids) {
    const fd = fdById('btf', id);
    if (fd === undefined) {
      if (onlyId !== undefined)
        throw new NotFoundError(`BTF object ${id} does not exist`, { what: 'BTF object', id });
      continue;
    }
    let info: BtfInfo;
    try {
      info = btfInfo(fd);
    } finally {
      closeFd(fd);
    }
    out.push({
      id: info.id,
      size: info.size,
      name: info.name,
      kernel: info.kernel,
      progIds: progs.get(id) ?? [],
      mapIds: maps.get(id) ?? [],
    });
  }
  return out;
}

/**
 * One line of `btf list` as bpftool prints it:
 * `ID: name NAME  size SIZEB  [prog_ids a,b]  [map_ids c,d]` (kernel BTF names in brackets,
 * program BTF shown as `<anon>`).
 */
export function formatBtfPlain(b: BtfSummary): string {
  let s = `${b.id}: `;
  s += b.name ? `name ${b.kernel ? `[${b.name}]` : b.name}  ` : 'name <anon>  ';
  s += `size ${b.size}B`;
  if (b.progIds.length) s += `  prog_ids ${b.progIds.join(',')}`;
  if (b.mapIds.length) s += `  map_ids ${b.mapIds.join(',')}`;
  return s;
}

/** The JSON object bpftool prints for one BTF object (key order as bpftool's). */
export function btfJson(b: BtfSummary): Record<string, unknown> {
  const o: Record<string, unknown> = {
    id: b.id,
    size: b.size,
    prog_ids: b.progIds,
    map_ids: b.mapIds,
    kernel: b.kernel,
  };
  if (b.name) o.name = b.name;
  return o;
}
