/**
 * OBJ_GET_INFO_BY_FD for programs, maps, BTF objects and links: struct bpf_prog_info,
 * bpf_map_info, bpf_btf_info and the head of bpf_link_info, with offsets written by hand from
 * include/uapi/linux/bpf.h. Variable-length parts (map ids, instructions, func/line info, BTF data)
 * are fetched with a second call once the first has told their sizes.
 */
import { addressOfBuffer } from './libc.js';
import { objGetInfoRaw } from './bpf.js';
import { SyscallError } from '../errors/index.js';

/** sizeof(struct bpf_prog_info) in the layout below. */
const PROG_INFO_SIZE = 232;
const MAP_INFO_SIZE = 88;
const BTF_INFO_SIZE = 32;
/** Head (type, id, prog_id) plus room for the largest union member we may read later. */
const LINK_INFO_SIZE = 128;

/** struct bpf_prog_info, decoded. */
export interface ProgInfo {
  type: number;
  id: number;
  /** 8-byte program tag as 16 lowercase hex digits. */
  tag: string;
  jitedProgLen: number;
  xlatedProgLen: number;
  /** Load time in ns since boot (CLOCK_BOOTTIME). */
  loadTime: bigint;
  createdByUid: number;
  nrMapIds: number;
  /** Name as the kernel stores it: at most 15 characters. */
  name: string;
  ifindex: number;
  gplCompatible: boolean;
  netnsDev: bigint;
  netnsIno: bigint;
  nrJitedKsyms: number;
  nrJitedFuncLens: number;
  btfId: number;
  funcInfoRecSize: number;
  nrFuncInfo: number;
  nrLineInfo: number;
  nrJitedLineInfo: number;
  lineInfoRecSize: number;
  jitedLineInfoRecSize: number;
  runTimeNs: bigint;
  runCnt: bigint;
  recursionMisses: bigint;
  verifiedInsns: number;
  attachBtfObjId: number;
  attachBtfId: number;
  /** Filled when requested. */
  mapIds?: number[];
  /** Translated (post-verifier) instructions, 8 bytes each; empty when kptr_restrict hides them. */
  xlated?: Uint8Array;
  /** Raw struct bpf_func_info records ({insn_off, type_id}, funcInfoRecSize bytes each). */
  funcInfo?: Uint8Array;
  /** Raw struct bpf_line_info records (lineInfoRecSize bytes each). */
  lineInfo?: Uint8Array;
  /** Kernel addresses of the JITed functions (main program first). */
  jitedKsyms?: bigint[];
}

/** Which variable-length parts progInfo should fetch. */
export interface ProgInfoWant {
  mapIds?: boolean;
  xlated?: boolean;
  funcInfo?: boolean;
  lineInfo?: boolean;
  jitedKsyms?: boolean;
}

function cstr(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('utf8', off, end < 0 || end > off + len ? off + len : end);
}

function getInfo(fd: number, info: Buffer, what: string): void {
  const r = objGetInfoRaw(fd, info);
  if (r < 0) throw new SyscallError(`get ${what} info`, -r);
}

function decodeProgInfo(b: Buffer): ProgInfo {
  return {
    type: b.readUInt32LE(0),
    id: b.readUInt32LE(4),
    tag: b.toString('hex', 8, 16),
    jitedProgLen: b.readUInt32LE(16),
    xlatedProgLen: b.readUInt32LE(20),
    loadTime: b.readBigUInt64LE(40),
    createdByUid: b.readUInt32LE(48),
    nrMapIds: b.readUInt32LE(52),
    name: cstr(b, 64, 16),
    ifindex: b.readUInt32LE(80),
    gplCompatible: (b.readUInt32LE(84) & 1) !== 0,
    netnsDev: b.readBigUInt64LE(88),
    netnsIno: b.readBigUInt64LE(96),
    nrJitedKsyms: b.readUInt32LE(104),
    nrJitedFuncLens: b.readUInt32LE(108),
    btfId: b.readUInt32LE(128),
    funcInfoRecSize: b.readUInt32LE(132),
    nrFuncInfo: b.readUInt32LE(144),
    nrLineInfo: b.readUInt32LE(148),
    nrJitedLineInfo: b.readUInt32LE(168),
    lineInfoRecSize: b.readUInt32LE(172),
    jitedLineInfoRecSize: b.readUInt32LE(176),
    runTimeNs: b.readBigUInt64LE(192),
    runCnt: b.readBigUInt64LE(200),
    recursionMisses: b.readBigUInt64LE(208),
    verifiedInsns: b.readUInt32LE(216),
    attachBtfObjId: b.readUInt32LE(220),
    attachBtfId: b.readUInt32LE(224),
  };
}

/**
 * Program info for `fd`, with the variable-length parts named in `want`. The kernel reports sizes
 * first; a second call hands it buffers of exactly those sizes. Needs CAP_SYS_ADMIN/CAP_BPF;
 * xlated instructions also need kernel.kptr_restrict to allow them.
 */
export function progInfo(fd: number, want: ProgInfoWant = {}): ProgInfo {
  const first = Buffer.alloc(PROG_INFO_SIZE);
  getInfo(fd, first, 'prog');
  const base = decodeProgInfo(first);
  if (!Object.values(want).some(Boolean)) return base;

  const b = Buffer.alloc(PROG_INFO_SIZE);
  const mapIds = Buffer.alloc(want.mapIds ? base.nrMapIds * 4 : 0);
  const xlated = Buffer.alloc(want.xlated ? base.xlatedProgLen : 0);
  const funcInfo = Buffer.alloc(want.funcInfo ? base.nrFuncInfo * base.funcInfoRecSize : 0);
  const lineInfo = Buffer.alloc(want.lineInfo ? base.nrLineInfo * base.lineInfoRecSize : 0);
  const ksyms = Buffer.alloc(want.jitedKsyms ? base.nrJitedKsyms * 8 : 0);
  const at = (buf: Buffer): bigint => (buf.length ? addressOfBuffer(buf) : 0n);
  if (mapIds.length) {
    b.writeUInt32LE(base.nrMapIds, 52);
    b.writeBigUInt64LE(at(mapIds), 56);
  }
  if (xlated.length) {
    b.writeUInt32LE(base.xlatedProgLen, 20);
    b.writeBigUInt64LE(at(xlated), 32);
  }
  if (funcInfo.length) {
    b.writeUInt32LE(base.funcInfoRecSize, 132);
    b.writeBigUInt64LE(at(funcInfo), 136);
    b.writeUInt32LE(base.nrFuncInfo, 144);
  }
  if (lineInfo.length) {
    b.writeUInt32LE(base.nrLineInfo, 148);
    b.writeBigUInt64LE(at(lineInfo), 152);
    b.writeUInt32LE(base.lineInfoRecSize, 172);
  }
  if (ksyms.length) {
    b.writeUInt32LE(base.nrJitedKsyms, 104);
    b.writeBigUInt64LE(at(ksyms), 112);
  }
  getInfo(fd, b, 'prog');
  const info = decodeProgInfo(b);
  // Counts in the second answer are what the kernel actually copied (it may have changed meanwhile).
  const out: ProgInfo = { ...base };
  if (want.mapIds) {
    const n = Math.min(info.nrMapIds, base.nrMapIds);
    out.mapIds = Array.from({ length: n }, (_, i) => mapIds.readUInt32LE(i * 4));
  }
  if (want.xlated)
    out.xlated = new Uint8Array(xlated.subarray(0, Math.min(info.xlatedProgLen, xlated.length)));
  if (want.funcInfo) out.funcInfo = new Uint8Array(funcInfo);
  if (want.lineInfo) out.lineInfo = new Uint8Array(lineInfo);
  if (want.jitedKsyms) {
    out.jitedKsyms = Array.from({ length: base.nrJitedKsyms }, (_, i) => ksyms.readBigUInt64LE(i * 8));
  }
  return out;
}

/** struct bpf_map_info, decoded. */
export interface MapInfo {
  type: number;
  id: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  /** At most 15 characters. */
  name: string;
  ifindex: number;
  btfVmlinuxValueTypeId: number;
  netnsDev: bigint;
  netnsIno: bigint;
  btfId: number;
  btfKeyTypeId: number;
  btfValueTypeId: number;
  mapExtra: bigint;
}

/** Map info for `fd`. */
export function mapInfo(fd: number): MapInfo {
  const b = Buffer.alloc(MAP_INFO_SIZE);
  getInfo(fd, b, 'map');
  return {
    type: b.readUInt32LE(0),
    id: b.readUInt32LE(4),
    keySize: b.readUInt32LE(8),
    valueSize: b.readUInt32LE(12),
    maxEntries: b.readUInt32LE(16),
    flags: b.readUInt32LE(20),
    name: cstr(b, 24, 16),
    ifindex: b.readUInt32LE(40),
    btfVmlinuxValueTypeId: b.readUInt32LE(44),
    netnsDev: b.readBigUInt64LE(48),
    netnsIno: b.readBigUInt64LE(56),
    btfId: b.readUInt32LE(64),
    btfKeyTypeId: b.readUInt32LE(68),
    btfValueTypeId: b.readUInt32LE(72),
    mapExtra: b.readBigUInt64LE(80),
  };
}

/** struct bpf_btf_info, decoded. */
export interface BtfInfo {
  id: number;
  /** Size of the raw BTF blob in bytes. */
  size: number;
  /** "vmlinux", a module name, or "" for BTF loaded by a program. */
  name: string;
  /** True for vmlinux and module BTF. */
  kernel: boolean;
  /** The raw blob, when requested. */
  data?: Uint8Array;
}

/**
 * BTF object info for `fd`; with `withData` also the raw blob (as the kernel holds it: module BTF
 * is split BTF on top of vmlinux). attr info: btf u64 @0, btf_size u32 @8, id @12, name u64 @16,
 * name_len u32 @24, kernel_btf u32 @28.
 */
export function btfInfo(fd: number, withData = false): BtfInfo {
  const name = Buffer.alloc(256);
  const b = Buffer.alloc(BTF_INFO_SIZE);
  b.writeBigUInt64LE(addressOfBuffer(name), 16);
  b.writeUInt32LE(name.length, 24);
  getInfo(fd, b, 'btf');
  const size = b.readUInt32LE(8);
  const out: BtfInfo = {
    id: b.readUInt32LE(12),
    size,
    name: cstr(name, 0, name.length),
    kernel: b.readUInt32LE(28) !== 0,
  };
  if (withData) {
    const data = Buffer.alloc(size);
    const c = Buffer.alloc(BTF_INFO_SIZE);
    c.writeBigUInt64LE(addressOfBuffer(data), 0);
    c.writeUInt32LE(size, 8);
    getInfo(fd, c, 'btf');
    out.data = new Uint8Array(data.buffer, data.byteOffset, Math.min(size, c.readUInt32LE(8)));
  }
  return out;
}

/** Head of struct bpf_link_info; `raw` holds the whole answer for type-specific fields (union @16). */
export interface LinkInfo {
  type: number;
  id: number;
  progId: number;
  raw: Uint8Array;
}

/** Link info for `fd` (Linux 5.8). */
export function linkInfo(fd: number): LinkInfo {
  const b = Buffer.alloc(LINK_INFO_SIZE);
  getInfo(fd, b, 'link');
  return {
    type: b.readUInt32LE(0),
    id: b.readUInt32LE(4),
    progId: b.readUInt32LE(8),
    raw: new Uint8Array(b),
  };
}
