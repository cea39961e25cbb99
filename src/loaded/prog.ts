/**
 * Loaded programs as `bpftool prog list/show` presents them: the info struct, the full name from
 * BTF func_info when the kernel cut it to 15 characters, load time as wall-clock time, memlock from
 * /proc/self/fdinfo, holders from /proc, and bpf_metadata_* variables of the program's .rodata.
 * Plain text and JSON match bpftool's layout. Needs CAP_SYS_ADMIN to walk program ids.
 */
import { allIds, closeFd, fdById, mapLookupElem, objGet } from '../sys/bpf.js';
import { mapInfo, progInfo, type ProgInfo } from '../sys/objinfo.js';
import { CLOCK, clockNs } from '../sys/libc.js';
import { NotFoundError, UsageError } from '../errors/index.js';
import { fdinfoField, formatRefs, objectRefs, type ObjRef, type RefTable } from './pids.js';
import { loadBtfById } from '../sys/btf-object.js';
import { dumpType } from './btf-dumper.js';
import { JsonWriter, RawJson } from './jsonw.js';

/** Program type names by number (enum bpf_prog_type, as libbpf spells them). */
export const PROG_TYPES = [
  'unspec', 'socket_filter', 'kprobe', 'sched_cls', 'sched_act', 'tracepoint', 'xdp', 'perf_event',
  'cgroup_skb', 'cgroup_sock', 'lwt_in', 'lwt_out', 'lwt_xmit', 'sock_ops', 'sk_skb', 'cgroup_device',
  'sk_msg', 'raw_tracepoint', 'cgroup_sock_addr', 'lwt_seg6local', 'lirc_mode2', 'sk_reuseport',
  'flow_dissector', 'cgroup_sysctl', 'raw_tracepoint_writable', 'cgroup_sockopt', 'tracing', 'struct_ops',
  'ext', 'lsm', 'sk_lookup', 'syscall', 'netfilter',
] as const; // prettier-ignore

/** Program type name, or undefined for a type this table does not know. */
export function progTypeName(type: number): string | undefined {
  return PROG_TYPES[type];
}

const OBJ_NAME_LEN = 16;
const METADATA_PREFIX = 'bpf_metadata_';

/** What `prog show` prints about one program. */
export interface ProgShow {
  info: ProgInfo;
  /** Full name: the BTF function name when the kernel's copy is cut to 15 characters. */
  name: string;
  mapIds: number[];
  memlock?: string;
  pids: ObjRef[];
  /** bpf_metadata_* variables: name without prefix → value as bpftool's plain/JSON dumper writes it. */
  metadata: { name: string; plain: string; json: string }[];
}

/** The program's name, completed from BTF func_info when the kernel truncated it. */
export function fullProgName(fd: number, info: ProgInfo): string {
  if (info.name.length < OBJ_NAME_LEN - 1 || !info.btfId || !info.nrFuncInfo) return info.name;
  try {
    const fi = progInfo(fd, { funcInfo: true }).funcInfo;
    if (!fi || fi.length < 8) return info.name;
    const typeId = Buffer.from(fi.buffer, fi.byteOffset, fi.length).readUInt32LE(4);
    const t = loadBtfById(info.btfId).type(typeId);
    return t.kind === 'func' && t.name ? t.name : info.name;
  } catch {
    return info.name;
  }
}

/**
 * bpf_metadata_* variables of the program's .rodata map (an array map of one entry whose value is
 * the section's DATASEC), formatted by the BTF dumper in both bpftool styles.
 */
function progMetadata(mapIds: number[]): ProgShow['metadata'] {
  for (const id of mapIds) {
    const fd = fdById('map', id);
    if (fd === undefined) return [];
    try {
      const mi = mapInfo(fd);
      // 2 = BPF_MAP_TYPE_ARRAY
      if (mi.type !== 2 || mi.keySize !== 4 || mi.maxEntries !== 1 || !mi.btfValueTypeId) continue;
      if (!mi.name.includes('.rodata')) continue;
      const value = new Uint8Array(mi.valueSize);
      if (mapLookupElem(fd, new Uint8Array(4), value) !== 0) return [];
      const btf = loadBtfById(mi.btfId);
      const sec = btf.type(mi.btfValueTypeId);
      if (sec.kind !== 'datasec') return [];
      const out: ProgShow['metadata'] = [];
      for (const v of sec.vars) {
        const vt = btf.type(v.type);
        if (vt.kind !== 'var' || !vt.name.startsWith(METADATA_PREFIX)) continue;
        const render = (plainText: boolean): string => {
          const w = new JsonWriter(false);
          dumpType({ w, btf, plainText }, vt.type, value, v.offset);
          return w.out;
        };
        out.push({ name: vt.name.slice(METADATA_PREFIX.length), plain: render(true), json: render(false) });
      }
      return out;
    } catch {
      return [];
    } finally {
      closeFd(fd);
    }
  }
  return [];
}

/** Collects ProgShow for an open program fd. */
export function progShow(fd: number, refs?: RefTable): ProgShow {
  const info = progInfo(fd, { mapIds: true });
  const mapIds = info.mapIds ?? [];
  return {
    info,
    name: info.name ? fullProgName(fd, info) : '',
    mapIds,
    memlock: fdinfoField(fd, 'memlock'),
    pids: refs?.get(info.id) ?? [],
    metadata: progMetadata(mapIds),
  };
}

/** Which programs to show: all, or by id / name / tag / pinned path (bpftool's PROG syntax). */
export type ProgSelector =
  { all: true } | { id: number } | { name: string } | { tag: string } | { pinned: string };

/** Parses `id N`, `name NAME`, `tag TAG`, `pinned PATH`, or a bare id. */
export function parseProgSelector(words: string[]): ProgSelector {
  if (words.length === 0) return { all: true };
  if (words.length === 1 && /^\d+$/.test(words[0])) return { id: Number(words[0]) };
  const [kw, arg] = words;
  if (words.length === 2) {
    if (kw === 'id' && /^\d+$/.test(arg)) return { id: Number(arg) };
    if (kw === 'name') return { name: arg };
    if (kw === 'tag' && /^[0-9a-f]{16}$/i.test(arg.replace(/:/g, '')))
      return { tag: arg.replace(/:/g, '').toLowerCase() };
    if (kw === 'pinned') return { pinned: arg };
  }
  throw new UsageError(`expected 'id ID', 'name NAME', 'tag TAG' or 'pinned PATH', got '${words.join(' ')}'`);
}

/** Opens the program fds a selector names (name and tag may match several); the caller closes them. */
export function openProgs(sel: ProgSelector): number[] {
  if ('id' in sel) {
    const fd = fdById('prog', sel.id);
    if (fd === undefined)
      throw new NotFoundError(`program id ${sel.id} does not exist`, { what: 'program', id: sel.id });
    return [fd];
  }
  if ('pinned' in sel) return [objGet(sel.pinned)];
  const fds: number[] = [];
  for (const id of allIds('prog')) {
    const fd = fdById('prog', id);
    if (fd === undefined) continue;
    let keep = 'all' in sel;
    if ('tag' in sel) keep = progInfo(fd).tag === sel.tag;
    if ('name' in sel) {
      const info = progInfo(fd);
      keep = info.name === sel.name || (info.name !== '' && fullProgName(fd, info) === sel.name);
    }
    if (keep) fds.push(fd);
    else closeFd(fd);
  }
  if (!('all' in sel) && fds.length === 0) {
    throw new NotFoundError(`no program with ${'name' in sel ? `name '${sel.name}'` : `tag ${sel.tag}`}`, {
      what: 'program',
      key: 'name' in sel ? sel.name : sel.tag,
    });
  }
  return fds;
}

/** ProgShow for every selected program, in id order. */
export function listProgs(sel: ProgSelector = { all: true }): ProgShow[] {
  const refs = objectRefs('prog');
  return openProgs(sel).map((fd) => {
    try {
      return progShow(fd, refs);
    } finally {
      closeFd(fd);
    }
  });
}

/**
 * Wall-clock seconds of a boot-time stamp (ns since boot, CLOCK_BOOTTIME), computed as bpftool does:
 * realtime - boottime now, plus the stamp.
 */
export function bootTimeToEpoch(nsecs: bigint): bigint {
  const real = clockNs(CLOCK.REALTIME);
  const boot = clockNs(CLOCK.BOOTTIME);
  const G = 1_000_000_000n;
  return real / G - boot / G + ((real % G) - (boot % G) + nsecs) / G;
}

/** strftime("%FT%T%z") of epoch seconds in local time, e.g. `2026-11-23T14:15:45+0000`. */
export function formatLocalTime(epochSecs: bigint): string {
  const d = new Date(Number(epochSecs) * 1000);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const tz = `${off < 0 ? '-' : '+'}${p(Math.floor(Math.abs(off) / 60))}${p(Math.abs(off) % 60)}`;
  return (
    `${p(d.getFullYear(), 4)}-${p(d.getMonth() + 1)}-${p(d.getDate())}` +
    `T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}${tz}`
  );
}

/** bpftool's plain `prog show` text for one program (with trailing newline). */
export function formatProgPlain(s: ProgShow): string {
  const i = s.info;
  const type = progTypeName(i.type);
  let out = `${i.id}: ${type ? `${type}  ` : `type ${i.type}  `}`;
  if (s.name) out += `name ${s.name}  `;
  out += `tag ${i.tag}`;
  if (i.ifindex) out += `  offloaded_to ifindex ${i.ifindex} ns_dev ${i.netnsDev} ns_ino ${i.netnsIno}`;
  if (i.gplCompatible) out += '  gpl';
  if (i.runTimeNs) out += ` run_time_ns ${i.runTimeNs} run_cnt ${i.runCnt}`;
  if (i.recursionMisses) out += ` recursion_misses ${i.recursionMisses}`;
  out += '\n';
  if (i.loadTime) {
    out += `\tloaded_at ${formatLocalTime(bootTimeToEpoch(i.loadTime))}  uid ${i.createdByUid}\n`;
  }
  out += `\txlated ${i.xlatedProgLen}B${i.jitedProgLen ? `  jited ${i.jitedProgLen}B` : '  not jited'}`;
  if (s.memlock !== undefined) out += `  memlock ${s.memlock}B`;
  if (s.mapIds.length) out += `  map_ids ${s.mapIds.join(',')}`;
  if (i.btfId) out += `\n\tbtf_id ${i.btfId}`;
  if (s.pids.length) out += `\n\tpids ${formatRefs(s.pids)}`;
  out += '\n';
  if (s.metadata.length) {
    out += '\tmetadata:';
    for (const m of s.metadata) out += `\n\t\t${m.name} = ${m.plain}`;
    out += '\n';
  }
  return out;
}

/** bpftool's JSON object for one program (key order as bpftool's); metadata values as raw JSON text. */
export function progJson(s: ProgShow): Record<string, unknown> {
  const i = s.info;
  const o: Record<string, unknown> = { id: i.id, type: progTypeName(i.type) ?? i.type };
  if (s.name) o.name = s.name;
  o.tag = i.tag;
  o.gpl_compatible = i.gplCompatible;
  if (i.runTimeNs) Object.assign(o, { run_time_ns: i.runTimeNs, run_cnt: i.runCnt });
  if (i.recursionMisses) o.recursion_misses = i.recursionMisses;
  if (i.ifindex) Object.assign(o, { ifindex: i.ifindex, ns_dev: i.netnsDev, ns_inode: i.netnsIno });
  if (i.loadTime) Object.assign(o, { loaded_at: bootTimeToEpoch(i.loadTime), uid: i.createdByUid });
  o.bytes_xlated = i.xlatedProgLen;
  o.jited = i.jitedProgLen !== 0;
  if (i.jitedProgLen) o.bytes_jited = i.jitedProgLen;
  if (s.memlock !== undefined) o.bytes_memlock = Number(s.memlock);
  if (s.mapIds.length) o.map_ids = s.mapIds;
  if (i.btfId) o.btf_id = i.btfId;
  if (s.pids.length) o.pids = s.pids.map((r) => ({ pid: r.pid, comm: r.comm }));
  if (s.metadata.length)
    o.metadata = Object.fromEntries(s.metadata.map((m) => [m.name, new RawJson(m.json)]));
  return o;
}
