// Unit tests of the instruction formatter, kallsyms resolver and listing layout on hand-encoded
// instructions. Expected texts are the kernel disassembler's (checked against a 6.18 verifier log and
// bpftool 7.1 by test/asm/isa.test.ts and compare-bpftool.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeAt, decodeInsns, encodeInsn } from '../../src/asm/decode.js';
import { formatInsn, type CallSite, type FormatOptions } from '../../src/asm/format.js';
import { kallsymsCallResolver, parseKallsyms } from '../../src/asm/kallsyms.js';
import { hexBytes, renderListing, type ListingLine } from '../../src/asm/listing.js';
import { parseFuncInfoArray, parseLineInfoArray } from '../../src/asm/xlated.js';

const HELPERS = ['bpf_unspec', 'bpf_map_lookup_elem', 'bpf_map_update_elem'];

function cat(...slots: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(slots.length * 8);
  slots.forEach((s, i) => out.set(s, i * 8));
  return out;
}
function fmt(slots: Uint8Array[], opts: FormatOptions = {}): string {
  return formatInsn(decodeAt(cat(...slots), 0), { helpers: HELPERS, ...opts });
}
const e = encodeInsn;

test('ALU, ALU64 and byte-swap forms, modern and legacy', () => {
  const cases: [Uint8Array, string, string?][] = [
    [e(0xbf, 6, 1, 0, 0), '(bf) r6 = r1'],
    [e(0xbc, 1, 6, 0, 0), '(bc) w1 = w6'],
    [e(0x07, 1, 0, 0, -8), '(07) r1 += -8'],
    [e(0x24, 1, 0, 0, -1640531535), '(24) w1 *= -1640531535'],
    [e(0xc7, 1, 0, 0, 32), '(c7) r1 s>>= 32'],
    [e(0xcc, 6, 5, 0, 0), '(cc) w6 s>>= w5'],
    [e(0x87, 6, 0, 0, 0), '(87) r6 = -r6'],
    [e(0x84, 6, 0, 0, 0), '(84) w6 = -w6'],
    [e(0x37, 5, 0, 1, 3), '(37) r5 s/= 3', '(37) r5 /= 3'],
    [e(0x97, 5, 0, 1, 7), '(97) r5 s%= 7', '(97) r5 %= 7'],
    [e(0x3f, 5, 2, 1, 0), '(3f) r5 s/= r2', '(3f) r5 /= r2'],
    [e(0x9c, 5, 3, 1, 0), '(9c) w5 s%= w3', '(9c) w5 %= w3'],
    [e(0xbf, 6, 5, 8, 0), '(bf) r6 = (s8)r5', '(bf) r6 = r5'],
    [e(0xbc, 6, 5, 16, 0), '(bc) w6 = (s16)w5', '(bc) w6 = w5'],
    [e(0xbf, 6, 5, 32, 0), '(bf) r6 = (s32)r5', '(bf) r6 = r5'],
    [e(0xd7, 6, 0, 0, 16), '(d7) r6 = bswap16 r6', 'BUG_alu64_d7'],
    [e(0xdc, 6, 0, 0, 32), '(dc) r6 = be32 r6'],
    [e(0xd4, 6, 0, 0, 64), '(d4) r6 = le64 r6'],
    [e(0xbf, 0, 0, -1, 0), '(bf) r0 = &(void __percpu *)(r0)', '(bf) r0 = r0'],
    [e(0xbf, 1, 2, 1, 0x10002), '(bf) r1 = addr_space_cast(r2, 1, 2)', '(bf) r1 = r2'],
    [e(0xe4, 1, 0, 0, 0), '(e4) w1 (null) 0'],
  ];
  for (const [insn, modern, legacy] of cases) {
    assert.equal(fmt([insn]), modern);
    assert.equal(fmt([insn], { legacy: true }), legacy ?? modern);
  }
});

test('loads, stores and atomics', () => {
  const cases: [Uint8Array, string, string?][] = [
    [e(0x79, 2, 1, 8, 0), '(79) r2 = *(u64 *)(r1 +8)'],
    [e(0x61, 0, 2, 0, 0), '(61) r0 = *(u32 *)(r2 +0)'],
    [e(0x91, 2, 10, -8, 0), '(91) r2 = *(s8 *)(r10 -8)', 'BUG_ldx_91'],
    [e(0x81, 4, 10, -8, 0), '(81) r4 = *(s32 *)(r10 -8)', 'BUG_ldx_81'],
    [e(0x63, 10, 0, -4, 0), '(63) *(u32 *)(r10 -4) = r0'],
    [e(0x62, 10, 0, -16, 7), '(62) *(u32 *)(r10 -16) = 7'],
    [e(0x7a, 10, 0, -24, -9), '(7a) *(u64 *)(r10 -24) = -9'],
    [e(0x30, 0, 0, 0, 0), '(30) r0 = *(u8 *)skb[0]'],
    [e(0x50, 0, 7, 0, 2), '(50) r0 = *(u8 *)skb[r7 + 2]'],
    [e(0xc2, 0, 0, 0, 0), '(c2) nospec'],
    [e(0xdb, 2, 1, 0, 0x00), '(db) lock *(u64 *)(r2 +0) += r1'],
    [e(0xc3, 3, 1, 0, 0x00), '(c3) lock *(u32 *)(r3 +0) += r1'],
    [e(0xdb, 3, 1, 0, 0x40), '(db) lock *(u64 *)(r3 +0) |= r1'],
    [e(0xdb, 3, 1, 0, 0x50), '(db) lock *(u64 *)(r3 +0) &= r1'],
    [e(0xdb, 3, 1, 0, 0xa0), '(db) lock *(u64 *)(r3 +0) ^= r1'],
    [e(0xdb, 2, 1, 0, 0x01), '(db) r1 = atomic64_fetch_add((u64 *)(r2 +0), r1)'],
    [e(0xdb, 2, 1, 0, 0x41), '(db) r1 = atomic64_fetch_or((u64 *)(r2 +0), r1)'],
    [e(0xdb, 2, 1, 0, 0x51), '(db) r1 = atomic64_fetch_and((u64 *)(r2 +0), r1)'],
    [e(0xc3, 3, 1, 0, 0xa1), '(c3) r1 = atomic_fetch_xor((u32 *)(r3 +0), r1)'],
    [e(0xdb, 2, 0, 0, 0xe1), '(db) r0 = atomic64_xchg((u64 *)(r2 +0), r0)'],
    [e(0xdb, 3, 2, 0, 0xf1), '(db) r0 = atomic64_cmpxchg((u64 *)(r3 +0), r0, r2)'],
    [e(0xc3, 10, 1, -16, 0xf1), '(c3) r0 = atomic_cmpxchg((u32 *)(r10 -16), r0, r1)'],
    [e(0xdb, 7, 10, -8, 0x100), '(db) r7 = load_acquire((u64 *)(r10 -8))', 'BUG_db'],
    [e(0xdb, 10, 7, -8, 0x110), '(db) store_release((u64 *)(r10 -8), r7)', 'BUG_db'],
    [e(0xdb, 10, 7, -8, 0x20), 'BUG_db'],
  ];
  for (const [insn, modern, legacy] of cases) {
    assert.equal(fmt([insn]), modern);
    assert.equal(fmt([insn], { legacy: true }), legacy ?? modern);
  }
});

test('ld_imm64 takes two slots and prints map, map value, subprogram and plain immediates', () => {
  const second = (imm: number): Uint8Array => e(0, 0, 0, 0, imm);
  assert.equal(fmt([e(0x18, 1, 1, 0, 5), second(0)]), '(18) r1 = map[id:5]');
  assert.equal(fmt([e(0x18, 1, 2, 0, 5), second(16)]), '(18) r1 = map[id:5][0]+16');
  assert.equal(fmt([e(0x18, 2, 4, 0, 64), second(2)]), '(18) r2 = subprog[+64]');
  assert.equal(fmt([e(0x18, 8, 0, 0, 0x23456789), second(1)]), '(18) r8 = 0x123456789');
  assert.equal(fmt([e(0x18, 3, 0, 0, -1), second(0)]), '(18) r3 = 0xffffffff');
  assert.equal(fmt([e(0x18, 3, 0, 0, -1), second(-1)]), '(18) r3 = 0xffffffffffffffff');
  const insns = decodeInsns(cat(e(0x18, 1, 0, 0, 0), second(0), e(0x95, 0, 0, 0, 0)));
  assert.deepEqual(
    insns.map((i) => [i.index, i.slots]),
    [
      [0, 2],
      [2, 1],
    ],
  );
  assert.equal(hexBytes(insns[0].bytes), '18 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00');
});

test('jumps: goto, gotol, may_goto, conditional with register and immediate', () => {
  assert.equal(fmt([e(0x05, 0, 0, -6, 0)]), '(05) goto pc-6');
  assert.equal(fmt([e(0x06, 0, 0, 0, 300000)]), '(06) gotol pc+300000');
  assert.equal(fmt([e(0x06, 0, 0, 0, 5)], { legacy: true }), '(06) if w0 jmp 0x5 goto pc+0');
  assert.equal(fmt([e(0xe5, 0, 0, 1, 0)]), '(e5) may_goto pc+1');
  assert.equal(fmt([e(0x15, 0, 0, 1, 0)]), '(15) if r0 == 0x0 goto pc+1');
  assert.equal(fmt([e(0xc6, 6, 0, 1, -40)]), '(c6) if w6 s< 0xffffffd8 goto pc+1');
  assert.equal(fmt([e(0x3d, 7, 6, 5, 0)]), '(3d) if r7 >= r6 goto pc+5');
  assert.equal(fmt([e(0x1e, 8, 7, 0, 0)]), '(1e) if w8 == w7 goto pc+0');
  assert.equal(fmt([e(0x4d, 8, 7, 0, 0)]), '(4d) if r8 & r7 goto pc+0');
  assert.equal(fmt([e(0x95, 0, 0, 0, 0)]), '(95) exit');
});

test('calls: helper names by id, resolver for addresses, kfuncs and bpf-to-bpf calls', () => {
  const sites: CallSite[] = [];
  const resolveCall = (s: CallSite): string | undefined => {
    sites.push(s);
    return s.kind === 'subprog' ? 'bpf_prog_0123456789abcdef_mix' : `sym_${s.insn.imm}`;
  };
  assert.equal(fmt([e(0x85, 0, 0, 0, 1)]), '(85) call bpf_map_lookup_elem#1');
  assert.equal(fmt([e(0x85, 0, 0, 0, 269056)]), '(85) call unknown#269056');
  assert.equal(fmt([e(0x85, 0, 0, 0, -57856)], { resolveCall }), '(85) call sym_-57856#-57856');
  assert.equal(fmt([e(0x85, 0, 2, 0, 12345)]), '(85) call kernel-function#12345');
  assert.equal(fmt([e(0x85, 0, 2, 0, 12345)], { resolveCall }), '(85) call sym_12345#12345');
  // Object code: the offset is in imm.
  assert.equal(fmt([e(0x85, 0, 1, 0, 20)]), '(85) call pc+20');
  // Xlated code: the offset is in off, imm is the subprogram index.
  assert.equal(fmt([e(0x85, 0, 1, 57, 1)], { code: 'xlated' }), '(85) call pc+57');
  assert.equal(
    fmt([e(0x85, 0, 1, 57, 1)], { code: 'xlated', resolveCall }),
    '(85) call pc+57#bpf_prog_0123456789abcdef_mix',
  );
  const sub = sites.find((s) => s.kind === 'subprog');
  assert.equal(sub?.target, 58);
  assert.equal(fmt([e(0x85, 0, 0, 0, 1)], { callText: () => 'mix' }), '(85) call mix');
});

const KALLSYMS = [
  'ffffffff81000000 T _stext',
  'ffffffff814ca650 T __bpf_call_base',
  'ffffffff8150c150 T bpf_get_current_pid_tgid',
  'ffffffff8151e450 t htab_map_update_elem',
  'ffffffff8151e450 t htab_alias_b',
  'ffffffffc0026048 t bpf_prog_4092480f59dc5910_mix\t[bpf]',
  'ffffffffc0100000 t some_module_func\t[some_module]',
].join('\n');

test('kallsyms resolver: helper addresses from __bpf_call_base, JITed subprograms, fallbacks', () => {
  const ks = parseKallsyms(KALLSYMS);
  assert.equal(ks.callBase, 0xffffffff814ca650n);
  assert.equal(ks.lookup(0xffffffffc0100000n), 'some_module_func');
  assert.equal(ks.lookup(0xffffffffc0100001n), undefined);
  const r = kallsymsCallResolver({ kallsyms: ks, jitedKsyms: [0xffffffffc0025f08n, 0xffffffffc0026048n] });
  const insn = (src: number, off: number, imm: number) => decodeAt(e(0x85, 0, src, off, imm), 0);
  assert.equal(r({ kind: 'helper', insn: insn(0, 0, 0x8150c150 - 0x814ca650) }), 'bpf_get_current_pid_tgid');
  assert.match(r({ kind: 'helper', insn: insn(0, 0, 0x8151e450 - 0x814ca650) }) ?? '', /^htab_/);
  assert.equal(r({ kind: 'helper', insn: insn(0, 0, 8) }), '0xffffffff814ca658');
  assert.equal(r({ kind: 'subprog', insn: insn(1, 57, 1) }), 'bpf_prog_4092480f59dc5910_mix');
  assert.equal(r({ kind: 'subprog', insn: insn(1, 57, 0) }), '0xffffffffc0025f08');
  const notJited = kallsymsCallResolver({ kallsyms: KALLSYMS });
  assert.equal(notJited({ kind: 'subprog', insn: insn(1, 57, 1) }), undefined);
  // Hidden addresses (kptr_restrict): bpftool stops reading and prints raw offsets.
  const hidden = parseKallsyms('0000000000000000 T _stext\n0000000000000000 T __bpf_call_base\n');
  assert.equal(hidden.callBase, 0n);
  assert.equal(kallsymsCallResolver({ kallsyms: hidden })({ kind: 'helper', insn: insn(0, 0, 16) }), '0x10');
});

test('listing layout: signature, source lines, index padding and opcodes', () => {
  const insn = decodeAt(e(0xb7, 0, 0, 0, 2), 0);
  const lines: ListingLine[] = [
    { index: 0, insn, disasm: '(b7) r0 = 2', proto: 'int f(void * ctx)' },
    { index: 7, insn, disasm: '(b7) r0 = 2', source: { text: 'x = 2;', file: 'a.c', line: 3, column: 5 } },
    { index: 999, insn, disasm: '(b7) r0 = 2' },
    { index: 1000, insn, disasm: '(b7) r0 = 2' },
  ];
  assert.equal(
    renderListing(lines),
    'int f(void * ctx):\n   0: (b7) r0 = 2\n; x = 2;\n   7: (b7) r0 = 2\n 999: (b7) r0 = 2\n 1000: (b7) r0 = 2\n',
  );
  assert.equal(
    renderListing(lines.slice(1, 2), { linum: true, opcodes: true }),
    '; x = 2; [file:a.c line_num:3 line_col:5]\n   7: (b7) r0 = 2\n       b7 00 00 00 02 00 00 00\n',
  );
});

test('kernel func_info and line_info arrays decode with their record sizes', () => {
  const f = new Uint8Array(24);
  const fv = new DataView(f.buffer);
  fv.setUint32(0, 0, true);
  fv.setUint32(4, 7, true);
  fv.setUint32(12, 62, true);
  fv.setUint32(16, 9, true);
  assert.deepEqual(parseFuncInfoArray(f, 12), [
    { insnOff: 0, typeId: 7 },
    { insnOff: 62, typeId: 9 },
  ]);
  const l = new Uint8Array(16);
  const lv = new DataView(l.buffer);
  lv.setUint32(0, 3, true);
  lv.setUint32(4, 100, true);
  lv.setUint32(8, 200, true);
  lv.setUint32(12, (42 << 10) | 7, true);
  assert.deepEqual(parseLineInfoArray(l), [
    { insnOff: 3, fileNameOff: 100, lineOff: 200, line: 42, column: 7 },
  ]);
});
