/**
 * Test-only raw program loading: BPF_PROG_LOAD of hand-assembled socket filters with the verifier log
 * at level 2, so the kernel's own disassembler output can be compared with ours.
 */
import koffi from 'koffi';
import { libc, errno } from '../../src/sys/libc.js';
import { errnoName } from '../../src/errors/index.js';

const BPF_PROG_LOAD = 5;
const BPF_PROG_TYPE_SOCKET_FILTER = 1;

/** A loaded program: its fd (close it!) and the verifier log. */
export interface RawLoad {
  fd: number;
  log: string;
}

/** Loads `code` as a GPL socket filter with log_level 2; throws with the log on rejection. */
export function loadSocketFilter(code: Uint8Array, name = 'bpfkit_asm'): RawLoad {
  const logSize = 1 << 20;
  const insns = koffi.alloc('uint8_t', code.length);
  const license = koffi.alloc('uint8_t', 4);
  const logBuf = koffi.alloc('uint8_t', logSize);
  try {
    new Uint8Array(koffi.view(insns, code.length)).set(code);
    new Uint8Array(koffi.view(license, 4)).set(Buffer.from('GPL\0'));
    new Uint8Array(koffi.view(logBuf, logSize)).fill(0);
    const attr = Buffer.alloc(128);
    attr.writeUInt32LE(BPF_PROG_TYPE_SOCKET_FILTER, 0);
    attr.writeUInt32LE(code.length / 8, 4);
    attr.writeBigUInt64LE(BigInt(koffi.address(insns)), 8);
    attr.writeBigUInt64LE(BigInt(koffi.address(license)), 16);
    attr.writeUInt32LE(2, 24);
    attr.writeUInt32LE(logSize, 28);
    attr.writeBigUInt64LE(BigInt(koffi.address(logBuf)), 32);
    attr.write(name.slice(0, 15), 48, 'latin1');
    const fd = libc().bpf(BPF_PROG_LOAD, attr, attr.length);
    const raw = new Uint8Array(koffi.view(logBuf, logSize));
    const log = Buffer.from(raw.subarray(0, raw.indexOf(0))).toString('utf8');
    if (fd < 0) throw new Error(`BPF_PROG_LOAD failed (${errnoName(errno())}):\n${log}`);
    return { fd, log };
  } finally {
    koffi.free(insns);
    koffi.free(license);
    koffi.free(logBuf);
  }
}

/** The instruction text the verifier log shows for each instruction index (`12: (bf) r1 = r2`). */
export function verifierInsnTexts(log: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of log.split('\n')) {
    const m = /^(\d+): (\([0-9a-f]{2}\) .*?)(?:\s+; .*)?$/.exec(line);
    if (m) out.set(Number(m[1]), m[2].trimEnd());
  }
  return out;
}
