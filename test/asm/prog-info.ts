/**
 * Test-only kernel side of the xlated dumper: fetches a loaded program's xlated code, func_info,
 * line_info, BTF and JITed symbol addresses with bpf(2) (PROG_GET_FD_BY_ID, OBJ_GET_INFO_BY_FD,
 * BTF_GET_FD_BY_ID), so the comparison with bpftool needs nothing but the spec-layer formatter.
 */
import koffi from 'koffi';
import { Btf } from '../../src/btf/btf.js';
import type { FuncInfo, LineInfo } from '../../src/btf/ext.js';
import { parseFuncInfoArray, parseLineInfoArray, type XlatedProgram } from '../../src/asm/xlated.js';
import { check, libc } from '../../src/sys/libc.js';

const CMD = { PROG_GET_FD_BY_ID: 13, OBJ_GET_INFO_BY_FD: 15, BTF_GET_FD_BY_ID: 19 } as const;
const PROG_INFO_SIZE = 232;
const BTF_INFO_SIZE = 32;

/** Offsets of the bpf_prog_info fields used here (include/uapi/linux/bpf.h). */
const PI = {
  jitedProgLen: 16,
  xlatedProgLen: 20,
  xlatedProgInsns: 32,
  nrMapIds: 52,
  nrJitedKsyms: 104,
  nrJitedFuncLens: 108,
  jitedKsyms: 112,
  btfId: 128,
  funcInfoRecSize: 132,
  funcInfo: 136,
  nrFuncInfo: 144,
  nrLineInfo: 148,
  lineInfo: 152,
  nrJitedLineInfo: 168,
  lineInfoRecSize: 172,
  nrProgTags: 180,
} as const;

/** A loaded program's dump inputs plus the JITed symbol addresses for kallsymsCallResolver. */
export interface FetchedProg extends XlatedProgram {
  funcInfo: FuncInfo[];
  lineInfo: LineInfo[];
  jitedKsyms: bigint[];
}

/** Native scratch memory that the kernel writes into; freed by the caller. */
class Native {
  readonly ptrs: unknown[] = [];
  /** `n` zeroed bytes (or a copy of `init`): their address, and a copy of them once the kernel wrote. */
  alloc(n: number, init?: Uint8Array): { addr: bigint; view: () => Uint8Array } {
    const p = koffi.alloc('uint8_t', Math.max(n, 1));
    this.ptrs.push(p);
    const live = (): Uint8Array => new Uint8Array(koffi.view(p, Math.max(n, 1)));
    live().fill(0);
    if (init) live().set(init);
    return { addr: BigInt(koffi.address(p)), view: () => live().slice(0, n) };
  }
  freeAll(): void {
    for (const p of this.ptrs) koffi.free(p);
  }
}

function getFdById(cmd: number, id: number, what: string): number {
  const attr = Buffer.alloc(16);
  attr.writeUInt32LE(id, 0);
  return check(libc().bpf(cmd, attr, attr.length), what);
}

function objInfo(fd: number, info: Buffer, native: Native): Buffer {
  const mem = native.alloc(info.length, info);
  const attr = Buffer.alloc(16);
  attr.writeUInt32LE(fd, 0);
  attr.writeUInt32LE(info.length, 4);
  attr.writeBigUInt64LE(mem.addr, 8);
  check(libc().bpf(CMD.OBJ_GET_INFO_BY_FD, attr, attr.length), 'BPF_OBJ_GET_INFO_BY_FD');
  return Buffer.from(mem.view());
}

/** The id of the program behind `fd`. */
export function progIdOfFd(fd: number): number {
  const native = new Native();
  try {
    return objInfo(fd, Buffer.alloc(PROG_INFO_SIZE), native).readUInt32LE(4);
  } finally {
    native.freeAll();
  }
}

/** Fetches what formatXlated needs for program `id` (needs root). */
export function fetchProg(id: number): FetchedProg {
  const native = new Native();
  const fd = getFdById(CMD.PROG_GET_FD_BY_ID, id, 'BPF_PROG_GET_FD_BY_ID');
  try {
    const first = objInfo(fd, Buffer.alloc(PROG_INFO_SIZE), native);
    const xlatedLen = first.readUInt32LE(PI.xlatedProgLen);
    const nKsyms = first.readUInt32LE(PI.nrJitedKsyms);
    const nFunc = first.readUInt32LE(PI.nrFuncInfo);
    const funcRec = first.readUInt32LE(PI.funcInfoRecSize);
    const nLine = first.readUInt32LE(PI.nrLineInfo);
    const lineRec = first.readUInt32LE(PI.lineInfoRecSize);
    const btfId = first.readUInt32LE(PI.btfId);
    const insns = native.alloc(xlatedLen);
    const ksyms = native.alloc(nKsyms * 8);
    const funcs = native.alloc(nFunc * funcRec);
    const lines = native.alloc(nLine * lineRec);
    const req = Buffer.alloc(PROG_INFO_SIZE);
    req.writeUInt32LE(xlatedLen, PI.xlatedProgLen);
    req.writeBigUInt64LE(insns.addr, PI.xlatedProgInsns);
    req.writeUInt32LE(nKsyms, PI.nrJitedKsyms);
    req.writeBigUInt64LE(ksyms.addr, PI.jitedKsyms);
    req.writeUInt32LE(funcRec, PI.funcInfoRecSize);
    req.writeUInt32LE(nFunc, PI.nrFuncInfo);
    req.writeBigUInt64LE(funcs.addr, PI.funcInfo);
    req.writeUInt32LE(lineRec, PI.lineInfoRecSize);
    req.writeUInt32LE(nLine, PI.nrLineInfo);
    req.writeBigUInt64LE(lines.addr, PI.lineInfo);
    objInfo(fd, req, native);
    const k = Buffer.from(ksyms.view());
    const jitedKsyms = Array.from({ length: nKsyms }, (_, i) => k.readBigUInt64LE(i * 8));
    return {
      insns: insns.view(),
      funcInfo: parseFuncInfoArray(funcs.view(), funcRec || 8),
      lineInfo: parseLineInfoArray(lines.view(), lineRec || 16),
      btf: btfId ? fetchBtf(btfId) : undefined,
      jitedKsyms,
    };
  } finally {
    libc().close(fd);
    native.freeAll();
  }
}

/** The raw BTF of BTF object `id`, parsed. */
export function fetchBtf(id: number): Btf {
  const native = new Native();
  const fd = getFdById(CMD.BTF_GET_FD_BY_ID, id, 'BPF_BTF_GET_FD_BY_ID');
  try {
    const first = objInfo(fd, Buffer.alloc(BTF_INFO_SIZE), native);
    const size = first.readUInt32LE(8);
    const data = native.alloc(size);
    const req = Buffer.alloc(BTF_INFO_SIZE);
    req.writeBigUInt64LE(data.addr, 0);
    req.writeUInt32LE(size, 8);
    objInfo(fd, req, native);
    return new Btf(data.view());
  } finally {
    libc().close(fd);
    native.freeAll();
  }
}
