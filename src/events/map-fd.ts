/**
 * The few bpf(2) map commands the event readers need on a map fd they are handed: read its info
 * (type, max_entries) to validate it, and store/remove perf event fds in a perf event array.
 * Attr layouts are written by hand (union bpf_attr, include/uapi/linux/bpf.h).
 */
import { SyscallError } from '../errors/index.js';
import { addressOfBuffer, errno, libc } from '../sys/libc.js';

/** bpf(2) commands used here. */
const CMD = { MAP_UPDATE_ELEM: 2, MAP_DELETE_ELEM: 3, OBJ_GET_INFO_BY_FD: 15 } as const;

/** enum bpf_map_type values the readers accept. */
export const MAP_TYPE = { PERF_EVENT_ARRAY: 4, RINGBUF: 27 } as const;

/** The parts of struct bpf_map_info the readers look at. */
export interface MapInfo {
  type: number;
  id: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  name: string;
}

/** Reads struct bpf_map_info of a map fd (BPF_OBJ_GET_INFO_BY_FD, kernel >= 4.13). */
export function mapInfo(fd: number): MapInfo {
  // 80 bytes covers every field up to map_extra; the kernel copies min(info_len, its size).
  const info = Buffer.alloc(80);
  const attr = Buffer.alloc(16);
  attr.writeUInt32LE(fd, 0);
  attr.writeUInt32LE(info.length, 4);
  attr.writeBigUInt64LE(addressOfBuffer(info), 8);
  if (libc().bpf(CMD.OBJ_GET_INFO_BY_FD, attr, attr.length) < 0) {
    throw new SyscallError(`BPF_OBJ_GET_INFO_BY_FD on fd ${fd}`, errno());
  }
  const nameBytes = info.subarray(24, 40);
  const nul = nameBytes.indexOf(0);
  return {
    type: info.readUInt32LE(0),
    id: info.readUInt32LE(4),
    keySize: info.readUInt32LE(8),
    valueSize: info.readUInt32LE(12),
    maxEntries: info.readUInt32LE(16),
    name: nameBytes.subarray(0, nul < 0 ? 16 : nul).toString('latin1'),
  };
}

function elemAttr(fd: number, key: Buffer, value: Buffer | null): Buffer {
  const attr = Buffer.alloc(32);
  attr.writeUInt32LE(fd, 0);
  attr.writeBigUInt64LE(addressOfBuffer(key), 8);
  if (value) attr.writeBigUInt64LE(addressOfBuffer(value), 16);
  return attr;
}

/** map[key] = value for a map with u32 keys and u32 values (BPF_MAP_UPDATE_ELEM, flags BPF_ANY). */
export function mapUpdateU32(fd: number, key: number, value: number): void {
  const k = Buffer.alloc(4);
  const v = Buffer.alloc(4);
  k.writeUInt32LE(key);
  v.writeUInt32LE(value);
  const attr = elemAttr(fd, k, v);
  if (libc().bpf(CMD.MAP_UPDATE_ELEM, attr, attr.length) < 0) {
    throw new SyscallError(`BPF_MAP_UPDATE_ELEM key ${key} on map fd ${fd}`, errno());
  }
}

/** Deletes map[key] for a u32-keyed map; returns false (no throw) when it fails, e.g. ENOENT. */
export function mapDeleteU32(fd: number, key: number): boolean {
  const k = Buffer.alloc(4);
  k.writeUInt32LE(key);
  const attr = elemAttr(fd, k, null);
  return libc().bpf(CMD.MAP_DELETE_ELEM, attr, attr.length) === 0;
}
