/**
 * The one-line reasons of failed loads, without the kernel: the verifier's reason and instruction
 * from the end of its log (never libbpf's wrapper lines), and libbpf's own words for everything else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VerifierError } from '../../src/errors/index.js';
import { libbpfReason } from '../../src/object/load-errors.js';
import { extractVerifierLog } from '../../src/sys/libbpf-log.js';

const NULL_DEREF = `0: R1=ctx() R10=fp0
; u32 key = 0; @ verifier-reject.bpf.c:15
0: (b4) w1 = 0                        ; R1_w=0
1: (63) *(u32 *)(r10 -4) = r1         ; R1_w=0 R10=fp0 fp-8=0000????
2: (bf) r2 = r10                      ; R2_w=fp0 R10=fp0
3: (07) r2 += -4                      ; R2_w=fp-4
4: (18) r1 = 0xffff8881086c6c00       ; R1_w=map_ptr(map=counts,ks=4,vs=8)
6: (85) call bpf_map_lookup_elem#1    ; R0_w=map_value_or_null(id=1,map=counts,ks=4,vs=8)
; *v += 1; @ verifier-reject.bpf.c:17
7: (79) r1 = *(u64 *)(r0 +0)
R0 invalid mem access 'map_value_or_null'
processed 7 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
`;

const TOO_LARGE = `; while (i < spins) { @ unbounded.bpf.c:15
10: (79) r4 = *(u64 *)(r2 +0)         ; R2=map_value(map=unbounde.bss,ks=4,vs=16) R4=scalar()
11: (2d) if r4 > r3 goto pc-4 8: R1=scalar() R2=map_value(map=unbounde.bss,ks=4,vs=16) R3=0x22e08 R4=scalar(umin=0x22e09) R10=fp0
8: (0f) r1 += r3
BPF program is too large. Processed 1000001 insn
processed 1000001 insns (limit 1000000) max_states_per_insn 4 total_states 9854 peak_states 9854 mark_read 0
`;

test('the reason after the last instruction, and that instruction', () => {
  assert.equal(
    VerifierError.summarize(NULL_DEREF),
    "R0 invalid mem access 'map_value_or_null' at insn 7: (79) r1 = *(u64 *)(r0 +0)",
  );
  const e = new VerifierError('bad_deref', NULL_DEREF, 13);
  assert.equal(
    e.message,
    "verifier rejected program 'bad_deref' (EACCES (permission denied)): R0 invalid mem access 'map_value_or_null' at insn 7: (79) r1 = *(u64 *)(r0 +0) (--verbose prints the full log)",
  );
});

test('a program over the instruction limit: the reason, the limit and the instruction it stopped at', () => {
  assert.equal(
    VerifierError.summarize(TOO_LARGE),
    'BPF program is too large. Processed 1000001 insn (limit 1000000 insns) at insn 8: (0f) r1 += r3',
  );
});

test("a log cut before its end marker: libbpf's lines that follow are not the reason", () => {
  const captured =
    "libbpf: prog 'spin': -- BEGIN PROG LOAD LOG --\n" +
    TOO_LARGE.split('\n').slice(0, 4).join('\n') +
    "libbpf: prog 'spin': failed to load: -7\nlibbpf: failed to load object 'unbounded'\n";
  const log = extractVerifierLog(captured, 'spin')!;
  assert.ok(!log.includes('libbpf:'), log);
  assert.equal(VerifierError.summarize(log), '8: (0f) r1 += r3');
});

test("libbpf's reason: its last specific warning, not the wrapper or the retry notice", () => {
  assert.equal(
    libbpfReason([
      'libbpf: Error in bpf_create_map_xattr(start):Invalid argument(-22). Retrying without BTF.\n',
      "libbpf: map 'start': failed to create: Invalid argument(-22)\n",
      "libbpf: failed to load object 'cpudist'\n",
    ]),
    "map 'start': failed to create: Invalid argument(-22)",
  );
  assert.equal(libbpfReason(["libbpf: failed to load object 'x'\n"]), undefined);
});
