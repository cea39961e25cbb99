// Every instruction form, hand-assembled into a socket filter the 6.18 verifier accepts: our text must
// equal the kernel's own disassembly in the verifier log (ISA v4 included), and our xlated dump of the
// loaded program must equal bpftool's (legacy syntax when bpftool predates ISA v4).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { decodeInsns, encodeInsn as e } from '../../src/asm/decode.js';
import { formatInsn } from '../../src/asm/format.js';
import { libc } from '../../src/sys/libc.js';
import { bpftoolVersion, compareXlated } from './bpftool.js';
import { loadSocketFilter, verifierInsnTexts } from './kernel-load.js';
import { progIdOfFd } from './prog-info.js';

const PROGRAM: Uint8Array[] = [
  e(0xbf, 6, 1, 0, 0), // r6 = r1 (ctx, for the skb loads)
  e(0x30, 0, 0, 0, 0), // r0 = *(u8 *)skb[0]
  e(0x50, 0, 0, 0, 2), // r0 = *(u8 *)skb[r0 + 2]
  e(0xb7, 1, 0, 0, -1),
  e(0x7b, 10, 1, -8, 0),
  e(0x62, 10, 0, -16, 7), // BPF_ST
  e(0x7a, 10, 0, -24, 9),
  e(0x91, 2, 10, -8, 0), // sign-extending loads
  e(0x89, 3, 10, -8, 0),
  e(0x81, 4, 10, -8, 0),
  e(0xb7, 5, 0, 0, 100),
  e(0x37, 5, 0, 1, 3), // signed div/mod
  e(0x97, 5, 0, 1, 7),
  e(0x3f, 5, 2, 1, 0),
  e(0x9c, 5, 3, 1, 0),
  e(0x34, 5, 0, 1, 2),
  e(0xbf, 6, 5, 8, 0), // movsx
  e(0xbc, 6, 5, 16, 0),
  e(0xbf, 6, 5, 32, 0),
  e(0xbc, 6, 5, 8, 0),
  e(0xd7, 6, 0, 0, 16), // bswap
  e(0xd7, 6, 0, 0, 32),
  e(0xd7, 6, 0, 0, 64),
  e(0xdc, 6, 0, 0, 16), // be/le
  e(0xd4, 6, 0, 0, 32),
  e(0xdc, 6, 0, 0, 64),
  e(0x87, 6, 0, 0, 0),
  e(0x84, 6, 0, 0, 0),
  e(0xc7, 6, 0, 0, 3),
  e(0xcc, 6, 5, 0, 0),
  e(0x25, 6, 0, 1, 0x1000),
  e(0x06, 0, 0, 0, 0), // gotol
  e(0x05, 0, 0, 0, 0),
  e(0xe5, 0, 0, 1, 0), // may_goto
  e(0xb7, 6, 0, 0, 6),
  e(0xdb, 10, 1, -8, 0x00), // atomics
  e(0xdb, 10, 1, -8, 0x40),
  e(0xdb, 10, 1, -8, 0x50),
  e(0xdb, 10, 1, -8, 0xa0),
  e(0xdb, 10, 1, -8, 0x01),
  e(0xdb, 10, 1, -8, 0x41),
  e(0xdb, 10, 1, -8, 0x51),
  e(0xdb, 10, 1, -8, 0xa1),
  e(0xc3, 10, 1, -16, 0x01),
  e(0xdb, 10, 1, -8, 0xe1),
  e(0xb7, 0, 0, 0, 0),
  e(0xdb, 10, 1, -8, 0xf1),
  e(0xc3, 10, 1, -16, 0xf1),
  e(0xdb, 7, 10, -8, 0x100), // load_acquire / store_release (6.15+)
  e(0xdb, 10, 7, -8, 0x110),
  e(0x18, 8, 0, 0, 0x23456789),
  e(0, 0, 0, 0, 0x1),
  e(0x1d, 8, 7, 0, 0),
  e(0x1e, 8, 7, 0, 0),
  e(0xa6, 8, 0, 0, -3),
  e(0xd5, 8, 0, 0, -3),
  e(0x4d, 8, 7, 0, 0),
  e(0x85, 0, 0, 0, 5), // bpf_ktime_get_ns
  e(0x85, 0, 1, 0, 1), // bpf-to-bpf call
  e(0x95, 0, 0, 0, 0),
  e(0xb7, 0, 0, 0, 0),
  e(0x95, 0, 0, 0, 0),
];

const code = new Uint8Array(PROGRAM.length * 8);
PROGRAM.forEach((s, i) => code.set(s, i * 8));

const root = process.getuid?.() === 0;

test('our text equals the kernel verifier log for every instruction', { skip: !root && 'needs root' }, () => {
  const { fd, log } = loadSocketFilter(code);
  try {
    const kernel = verifierInsnTexts(log);
    const insns = decodeInsns(code);
    assert.equal(kernel.size, insns.length, 'the log shows every instruction');
    for (const insn of insns) assert.equal(formatInsn(insn), kernel.get(insn.index), `insn ${insn.index}`);
  } finally {
    libc().close(fd);
  }
});

test(
  'our xlated dump of the loaded program equals bpftool',
  {
    skip:
      (!root && 'needs root') ||
      (!bpftoolVersion() && 'bpftool missing') ||
      (!existsSync('/proc/kallsyms') && 'no kallsyms'),
  },
  () => {
    const { fd } = loadSocketFilter(code);
    try {
      const id = progIdOfFd(fd);
      for (const [mode, r] of compareXlated(id, ['', 'opcodes'])) {
        assert.ok(r.lines > PROGRAM.length, 'bpftool printed the program');
        assert.deepEqual(r.diffs, [], `mode '${mode}'`);
      }
    } finally {
      libc().close(fd);
    }
  },
);
