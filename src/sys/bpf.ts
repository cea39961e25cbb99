/**
 * Typed wrappers of the bpf(2) commands bpfkit issues directly: map element access (single and
 * batched), map creation and freezing, pinning, and walking the kernel's prog/map/btf/link id
 * spaces. Each `union bpf_attr` variant is laid out by hand from include/uapi/linux/bpf.h; pointer
 * fields carry native addresses of Buffers that stay referenced until the call returns.
 * (Object info structs live in objinfo.ts.)
 */
import { addressOfBuffer, check, errno, libc } from './libc.js';
import { SyscallError } from '../errors/index.js';

/** bpf(2) command numbers (enum bpf_cmd). */
export const BPF_CMD = {
  MAP_CREATE: 0,
  MAP_LOOKUP_ELEM: 1,
  MAP_UPDATE_ELEM: 2,
  MAP_DELETE_ELEM: 3,
  MAP_GET_NEXT_KEY: 4,
  OBJ_PIN: 6,
  OBJ_GET: 7,
  PROG_GET_NEXT_ID: 11,
  MAP_GET_NEXT_ID: 12,
  PROG_GET_FD_BY_ID: 13,
  MAP_GET_FD_BY_ID: 14,
  OBJ_GET_INFO_BY_FD: 15,
  BTF_GET_FD_BY_ID: 19,
  MAP_LOOKUP_AND_DELETE_ELEM: 21,
  MAP_FREEZE: 22,
  BTF_GET_NEXT_ID: 23,
  MAP_LOOKUP_BATCH: 24,
  MAP_LOOKUP_AND_DELETE_BATCH: 25,
  LINK_CREATE: 28,
  LINK_GET_FD_BY_ID: 30,
  LINK_GET_NEXT_ID: 31,
} as const;

/**
 * enum bpf_attach_type values bpfkit links with, as the kernel numbers them (Debian 12's uapi
 * headers predate tcx): XDP Linux 5.9, TCX_INGRESS/EGRESS Linux 6.6.
 */
export const ATTACH_TYPE = { XDP: 37, TCX_INGRESS: 46, TCX_EGRESS: 47 } as const;

/** Flags of MAP_UPDATE_ELEM. */
export const UPDATE = { ANY: 0, NOEXIST: 1, EXIST: 2, LOCK: 4 } as const;

/** errno values callers branch on. */
export const ERRNO = {
  ENOENT: 2,
  EFAULT: 14,
  EINVAL: 22,
  ENOSPC: 28,
  ENOTSUPP: 524,
  EOPNOTSUPP: 95,
} as const;

/** Kinds of kernel object that have an id space. */
export type ObjKind = 'prog' | 'map' | 'btf' | 'link';

/** Address for a pointer field: 0 for absent or empty buffers (the kernel never reads them then). */
function ptr(buf: Uint8Array | null | undefined): bigint {
  return buf && buf.length > 0 ? addressOfBuffer(buf) : 0n;
}

/** Issues bpf(cmd, attr); returns the result or -errno, never throws. */
export function bpfRaw(cmd: number, attr: Buffer): number {
  const r = libc().bpf(cmd, attr, attr.length);
  return r < 0 ? -errno() : r;
}

/** Issues bpf(cmd, attr); throws SyscallError(`what`, errno) on failure. */
export function bpfCall(cmd: number, attr: Buffer, what: string): number {
  return check(libc().bpf(cmd, attr, attr.length), what);
}

/** Closes a file descriptor, ignoring errors (used for object fds we own). */
export function closeFd(fd: number): void {
  if (fd >= 0) libc().close(fd);
}

// ---- map elements -------------------------------------------------------------------------------

/** attr for *_ELEM and GET_NEXT_KEY: map_fd u32 @0, key u64 @8, value/next_key u64 @16, flags u64 @24. */
function elemAttr(fd: number, key: Uint8Array | null, value: Uint8Array | null, flags: number): Buffer {
  const a = Buffer.alloc(32);
  a.writeUInt32LE(fd, 0);
  a.writeBigUInt64LE(ptr(key), 8);
  a.writeBigUInt64LE(ptr(value), 16);
  a.writeBigUInt64LE(BigInt(flags), 24);
  return a;
}

/**
 * Reads the value under `key` into `value` (sized value_size, or nCpus × round_up(value_size, 8)
 * for per-CPU maps). Returns 0 on success or -errno (-ENOENT when the key is absent).
 */
export function mapLookupElem(fd: number, key: Uint8Array, value: Uint8Array, flags = 0): number {
  return bpfRaw(BPF_CMD.MAP_LOOKUP_ELEM, elemAttr(fd, key, value, flags));
}

/** Stores `value` under `key` with UPDATE flags; throws SyscallError (EEXIST, ENOENT, E2BIG…). */
export function mapUpdateElem(fd: number, key: Uint8Array, value: Uint8Array, flags = 0): void {
  bpfCall(BPF_CMD.MAP_UPDATE_ELEM, elemAttr(fd, key, value, flags), 'map update');
}

/** Deletes `key`; returns false when it was absent, throws on other errors (EINVAL on arrays). */
export function mapDeleteElem(fd: number, key: Uint8Array): boolean {
  const r = bpfRaw(BPF_CMD.MAP_DELETE_ELEM, elemAttr(fd, key, null, 0));
  if (r === -ERRNO.ENOENT) return false;
  if (r < 0) throw new SyscallError('map delete', -r);
  return true;
}

/** Pops the value under `key` (queues/stacks: key null); returns 0 or -errno. */
export function mapLookupAndDeleteElem(fd: number, key: Uint8Array | null, value: Uint8Array): number {
  return bpfRaw(BPF_CMD.MAP_LOOKUP_AND_DELETE_ELEM, elemAttr(fd, key, value, 0));
}

/**
 * Writes the key following `key` (the first key when `key` is null) into `next`. Returns false at
 * the end of the map; throws on other errors.
 */
export function mapGetNextKey(fd: number, key: Uint8Array | null, next: Uint8Array): boolean {
  const r = bpfRaw(BPF_CMD.MAP_GET_NEXT_KEY, elemAttr(fd, key, next, 0));
  if (r === -ERRNO.ENOENT) return false;
  if (r < 0) throw new SyscallError('map get next key', -r);
  return true;
}

/** Result of one batch call. */
export interface BatchResult {
  /** Elements copied into keys/values. */
  count: number;
  /** True when the kernel reported the end of the map (ENOENT) with this batch. */
  done: boolean;
  /** errno when the call failed outright (count is then 0), e.g. EINVAL/ENOTSUPP/ENOSPC. */
  errno?: number;
}

/**
 * MAP_LOOKUP_BATCH (or LOOKUP_AND_DELETE_BATCH): copies up to `count` elements starting after the
 * opaque position `inBatch` (null = start) into `keys` (count × key_size) and `values` (count ×
 * value stride), and the next position into `outBatch`. Needs Linux 5.6; hash maps need `outBatch`
 * of at least 4 bytes. attr: in_batch @0, out_batch @8, keys @16, values @24, count u32 @32,
 * map_fd u32 @36, elem_flags u64 @40, flags u64 @48.
 */
export function mapLookupBatch(
  fd: number,
  inBatch: Uint8Array | null,
  outBatch: Uint8Array,
  keys: Uint8Array,
  values: Uint8Array,
  count: number,
  andDelete = false,
): BatchResult {
  const a = Buffer.alloc(56);
  a.writeBigUInt64LE(ptr(inBatch), 0);
  a.writeBigUInt64LE(ptr(outBatch), 8);
  a.writeBigUInt64LE(ptr(keys), 16);
  a.writeBigUInt64LE(ptr(values), 24);
  a.writeUInt32LE(count, 32);
  a.writeUInt32LE(fd, 36);
  const r = bpfRaw(andDelete ? BPF_CMD.MAP_LOOKUP_AND_DELETE_BATCH : BPF_CMD.MAP_LOOKUP_BATCH, a);
  // The kernel writes back how many elements it copied even when it ends with ENOENT.
  const copied = a.readUInt32LE(32);
  if (r >= 0) return { count: copied, done: false };
  if (r === -ERRNO.ENOENT) return { count: copied, done: true };
  return { count: 0, done: false, errno: -r };
}

/** Makes a map read-only for user space (used for .rodata); Linux 5.2. */
export function mapFreeze(fd: number): void {
  const a = Buffer.alloc(4);
  a.writeUInt32LE(fd, 0);
  bpfCall(BPF_CMD.MAP_FREEZE, a, 'map freeze');
}

/** Parameters of MAP_CREATE. */
export interface MapCreateAttr {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  /** At most 15 bytes; the kernel accepts [A-Za-z0-9_.]. */
  name?: string;
  innerMapFd?: number;
  btfFd?: number;
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  mapExtra?: bigint;
}

/**
 * Creates a map and returns its fd. attr: map_type @0, key_size @4, value_size @8, max_entries @12,
 * map_flags @16, inner_map_fd @20, numa_node @24, map_name[16] @28, map_ifindex @44, btf_fd @48,
 * btf_key_type_id @52, btf_value_type_id @56, btf_vmlinux_value_type_id @60, map_extra @64.
 */
export function mapCreate(p: MapCreateAttr): number {
  const a = Buffer.alloc(72);
  a.writeUInt32LE(p.type, 0);
  a.writeUInt32LE(p.keySize, 4);
  a.writeUInt32LE(p.valueSize, 8);
  a.writeUInt32LE(p.maxEntries, 12);
  a.writeUInt32LE(p.flags ?? 0, 16);
  a.writeUInt32LE(p.innerMapFd ?? 0, 20);
  if (p.name) a.write(p.name.slice(0, 15), 28, 'latin1');
  a.writeUInt32LE(p.btfFd ?? 0, 48);
  a.writeUInt32LE(p.btfKeyTypeId ?? 0, 52);
  a.writeUInt32LE(p.btfValueTypeId ?? 0, 56);
  a.writeBigUInt64LE(p.mapExtra ?? 0n, 64);
  return bpfCall(BPF_CMD.MAP_CREATE, a, `create map${p.name ? ` '${p.name}'` : ''}`);
}

// ---- links --------------------------------------------------------------------------------------

/**
 * LINK_CREATE for links that name a target by fd or ifindex (xdp, tcx): returns the link's fd or
 * -errno; closing the last fd detaches. attr: prog_fd u32 @0, target_fd/target_ifindex u32 @4,
 * attach_type u32 @8, flags u32 @12; tcx adds relative_fd/id u32 @16 and expected_revision u64 @24
 * (left 0: after every program already there).
 */
export function linkCreate(progFd: number, target: number, attachType: number, flags = 0): number {
  const a = Buffer.alloc(64);
  a.writeUInt32LE(progFd, 0);
  a.writeUInt32LE(target, 4);
  a.writeUInt32LE(attachType, 8);
  a.writeUInt32LE(flags, 12);
  return bpfRaw(BPF_CMD.LINK_CREATE, a);
}

// ---- pinning ------------------------------------------------------------------------------------

/** attr for OBJ_PIN/OBJ_GET: pathname u64 @0, bpf_fd u32 @8, file_flags u32 @12. */
function pathAttr(path: string, fd: number): { attr: Buffer; keep: Buffer } {
  const keep = Buffer.from(`${path}\0`, 'utf8');
  const attr = Buffer.alloc(16);
  attr.writeBigUInt64LE(addressOfBuffer(keep), 0);
  attr.writeUInt32LE(fd, 8);
  return { attr, keep };
}

/** Pins object `fd` at `path` on a bpffs mount. */
export function objPin(fd: number, path: string): void {
  const { attr, keep } = pathAttr(path, fd);
  bpfCall(BPF_CMD.OBJ_PIN, attr, `pin ${path}`);
  void keep;
}

/** Opens the object pinned at `path` and returns a new fd. */
export function objGet(path: string): number {
  const { attr, keep } = pathAttr(path, 0);
  const fd = bpfCall(BPF_CMD.OBJ_GET, attr, `open pinned object ${path}`);
  void keep;
  return fd;
}

// ---- id spaces ----------------------------------------------------------------------------------

const NEXT_ID: Record<ObjKind, number> = {
  prog: BPF_CMD.PROG_GET_NEXT_ID,
  map: BPF_CMD.MAP_GET_NEXT_ID,
  btf: BPF_CMD.BTF_GET_NEXT_ID,
  link: BPF_CMD.LINK_GET_NEXT_ID,
};
const FD_BY_ID: Record<ObjKind, number> = {
  prog: BPF_CMD.PROG_GET_FD_BY_ID,
  map: BPF_CMD.MAP_GET_FD_BY_ID,
  btf: BPF_CMD.BTF_GET_FD_BY_ID,
  link: BPF_CMD.LINK_GET_FD_BY_ID,
};

/**
 * The smallest id of a live `kind` object above `start`, or undefined at the end. attr: start_id
 * u32 @0, next_id u32 @4. Needs CAP_SYS_ADMIN.
 */
export function getNextId(kind: ObjKind, start: number): number | undefined {
  const a = Buffer.alloc(12);
  a.writeUInt32LE(start, 0);
  const r = bpfRaw(NEXT_ID[kind], a);
  if (r === -ERRNO.ENOENT) return undefined;
  if (r < 0) throw new SyscallError(`get next ${kind} id`, -r);
  return a.readUInt32LE(4);
}

/** Every live id of `kind`, ascending. */
export function allIds(kind: ObjKind): number[] {
  const ids: number[] = [];
  for (let id = getNextId(kind, 0); id !== undefined; id = getNextId(kind, id)) ids.push(id);
  return ids;
}

/**
 * Opens the object with `id`; returns the new fd, or undefined when it no longer exists (ENOENT),
 * throws SyscallError otherwise. attr: id u32 @0, next_id @4, open_flags @8.
 */
export function fdById(kind: ObjKind, id: number): number | undefined {
  const a = Buffer.alloc(12);
  a.writeUInt32LE(id, 0);
  const r = bpfRaw(FD_BY_ID[kind], a);
  if (r === -ERRNO.ENOENT) return undefined;
  if (r < 0) throw new SyscallError(`open ${kind} id ${id}`, -r);
  return r;
}

/**
 * OBJ_GET_INFO_BY_FD: fills `info` (a zeroed info struct, pointer fields set by the caller) and
 * returns the length the kernel wrote, or -errno. attr: bpf_fd u32 @0, info_len u32 @4, info u64 @8.
 */
export function objGetInfoRaw(fd: number, info: Buffer): number {
  const a = Buffer.alloc(16);
  a.writeUInt32LE(fd, 0);
  a.writeUInt32LE(info.length, 4);
  a.writeBigUInt64LE(addressOfBuffer(info), 8);
  const r = bpfRaw(BPF_CMD.OBJ_GET_INFO_BY_FD, a);
  return r < 0 ? r : a.readUInt32LE(4);
}
