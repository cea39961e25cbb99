/**
 * Loaded maps as `bpftool map list/show` presents them: the info struct plus memlock, frozen and
 * prog_array owner fields from /proc/self/fdinfo, and the processes holding each map. Plain text
 * and JSON match bpftool's layout. Needs CAP_SYS_ADMIN to walk map ids.
 */
import { allIds, closeFd, fdById, objGet } from '../sys/bpf.js';
import { mapInfo, type MapInfo } from '../sys/objinfo.js';
import { MAP_TYPES } from '../spec/object.js';
import { NotFoundError, UsageError } from '../errors/index.js';
import { fdinfoField, formatRefs, objectRefs, type ObjRef, type RefTable } from './pids.js';
import { progTypeName } from './prog.js';

/** What `map show` prints about one map. */
export interface MapShow {
  info: MapInfo;
  /** fdinfo `memlock` (bytes, as text), when the kernel reports it. */
  memlock?: string;
  frozen: boolean;
  /** prog_array only: fdinfo owner_prog_type / owner_jited. */
  ownerProgType?: number;
  ownerJited?: boolean;
  pids: ObjRef[];
}

/** Map type name as bpftool prints it ('hash', 'percpu_array', …), or undefined when unknown. */
export function mapTypeName(type: number): string | undefined {
  return MAP_TYPES[type];
}

/** Collects MapShow for an open map fd. */
export function mapShow(fd: number, refs?: RefTable): MapShow {
  const info = mapInfo(fd);
  const s: MapShow = {
    info,
    memlock: fdinfoField(fd, 'memlock'),
    frozen: Number(fdinfoField(fd, 'frozen') ?? 0) !== 0,
    pids: refs?.get(info.id) ?? [],
  };
  if (mapTypeName(info.type) === 'prog_array') {
    const t = fdinfoField(fd, 'owner_prog_type');
    const j = fdinfoField(fd, 'owner_jited');
    if (t !== undefined) s.ownerProgType = Number(t);
    if (j !== undefined) s.ownerJited = Number(j) !== 0;
  }
  return s;
}

/** Which maps to show: all, or by id / name / pinned path (bpftool's MAP syntax). */
export type MapSelector = { all: true } | { id: number } | { name: string } | { pinned: string };

/** Parses bpftool-style selector words: `id N`, `name NAME`, `pinned PATH`, or a bare id. */
export function parseMapSelector(words: string[]): MapSelector {
  if (words.length === 0) return { all: true };
  if (words.length === 1 && /^\d+$/.test(words[0])) return { id: Number(words[0]) };
  const [kw, arg] = words;
  if (words.length === 2 && kw === 'id' && /^\d+$/.test(arg)) return { id: Number(arg) };
  if (words.length === 2 && kw === 'name') return { name: arg };
  if (words.length === 2 && kw === 'pinned') return { pinned: arg };
  throw new UsageError(`expected 'id ID', 'name NAME' or 'pinned PATH', got '${words.join(' ')}'`);
}

/** Opens the fds a selector names (several for a name); the caller closes them. */
export function openMaps(sel: MapSelector): number[] {
  if ('id' in sel) {
    const fd = fdById('map', sel.id);
    if (fd === undefined)
      throw new NotFoundError(`map id ${sel.id} does not exist`, { what: 'map', id: sel.id });
    return [fd];
  }
  if ('pinned' in sel) return [objGet(sel.pinned)];
  const fds: number[] = [];
  for (const id of allIds('map')) {
    const fd = fdById('map', id);
    if (fd === undefined) continue;
    if ('all' in sel || mapInfo(fd).name === sel.name) fds.push(fd);
    else closeFd(fd);
  }
  if ('name' in sel && fds.length === 0)
    throw new NotFoundError(`no map named '${sel.name}'`, { what: 'map', key: sel.name });
  return fds;
}

/** MapShow for every selected map, in id order. */
export function listMaps(sel: MapSelector = { all: true }): MapShow[] {
  const refs = objectRefs('map');
  return openMaps(sel).map((fd) => {
    try {
      return mapShow(fd, refs);
    } finally {
      closeFd(fd);
    }
  });
}

/** `  offloaded_to ifindex N ns_dev D ns_ino I` for device-bound objects, else ''. */
export function devPlain(ifindex: number, dev: bigint, ino: bigint): string {
  return ifindex ? `  offloaded_to ifindex ${ifindex} ns_dev ${dev} ns_ino ${ino}` : '';
}

/** First line of `map show` (also the per-map header of a several-map `map dump`), with newline. */
export function mapHeaderPlain(i: MapInfo): string {
  const type = mapTypeName(i.type);
  let out = `${i.id}: ${type ? `${type}  ` : `type ${i.type}  `}`;
  if (i.name) out += `name ${i.name}  `;
  return out + `flags 0x${i.flags.toString(16)}${devPlain(i.ifindex, i.netnsDev, i.netnsIno)}\n`;
}

/** bpftool's plain `map show` text for one map (with trailing newline). */
export function formatMapPlain(s: MapShow): string {
  const i = s.info;
  let out = mapHeaderPlain(i);
  out += `\tkey ${i.keySize}B  value ${i.valueSize}B  max_entries ${i.maxEntries}`;
  if (s.memlock !== undefined) out += `  memlock ${s.memlock}B`;
  if (s.ownerProgType !== undefined || s.ownerJited !== undefined) {
    out += '\n\t';
    if (s.ownerProgType !== undefined) {
      const t = progTypeName(s.ownerProgType);
      out += `owner_prog_type ${t ?? s.ownerProgType}  `;
    }
    if (s.ownerJited !== undefined) out += `owner${s.ownerJited ? '' : ' not'} jited`;
  }
  if (i.btfId || s.frozen) out += '\n\t';
  if (i.btfId) out += `btf_id ${i.btfId}`;
  if (s.frozen) out += `${i.btfId ? '  ' : ''}frozen`;
  if (s.pids.length) out += `\n\tpids ${formatRefs(s.pids)}`;
  return out + '\n';
}

/** bpftool's JSON object for one map (key order as bpftool's). */
export function mapJson(s: MapShow): Record<string, unknown> {
  const i = s.info;
  const o: Record<string, unknown> = { id: i.id, type: mapTypeName(i.type) ?? i.type };
  if (i.name) o.name = i.name;
  o.flags = i.flags;
  if (i.ifindex) Object.assign(o, { ifindex: i.ifindex, ns_dev: i.netnsDev, ns_inode: i.netnsIno });
  Object.assign(o, { bytes_key: i.keySize, bytes_value: i.valueSize, max_entries: i.maxEntries });
  if (s.memlock !== undefined) o.bytes_memlock = Number(s.memlock);
  if (s.ownerProgType !== undefined) o.owner_prog_type = progTypeName(s.ownerProgType) ?? s.ownerProgType;
  if (s.ownerJited !== undefined) o.owner_jited = s.ownerJited;
  o.frozen = s.frozen ? 1 : 0;
  if (i.btfId) o.btf_id = i.btfId;
  if (s.pids.length) o.pids = s.pids.map((r) => ({ pid: r.pid, comm: r.comm }));
  return o;
}
