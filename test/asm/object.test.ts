// Disassembly of compiled BPF objects (our fixtures, clang -mcpu=v1 and v3): instruction text,
// relocation targets, BTF signatures and source lines. Needs clang, no kernel.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Btf } from '../../src/btf/btf.js';
import { ElfFile } from '../../src/elf/reader.js';
import { NotFoundError } from '../../src/errors/index.js';
import { helperNamesFromBtf } from '../../src/asm/helpers.js';
import { codeSections, disassemble, disassembleSection, listSection } from '../../src/asm/object.js';
import { compileAsmFixture } from './build.js';

const helpers = helperNamesFromBtf(Btf.kernel());

async function object(name: string, mcpu = 'v3'): Promise<ElfFile> {
  return new ElfFile(readFileSync(await compileAsmFixture(name, mcpu)));
}
function lines(text: string): string[] {
  return text.split('\n');
}
/** Asserts that some line of `text` ends with `want` (instruction indexes vary with the compiler). */
function has(text: string, want: string): void {
  assert.ok(
    lines(text).some((l) => l.endsWith(want)),
    `expected a line ending in ${JSON.stringify(want)} in:\n${text}`,
  );
}

test('helper names come from the kernel BTF enum bpf_func_id', () => {
  assert.equal(helpers[1], 'bpf_map_lookup_elem');
  assert.equal(helpers[5], 'bpf_ktime_get_ns');
  assert.equal(helpers[131], 'bpf_ringbuf_reserve');
});

test('opensnoop-like object: maps, helpers, signatures and source lines', async () => {
  const elf = await object('snoop');
  assert.deepEqual(
    codeSections(elf).map((s) => s.name),
    ['tracepoint/syscalls/sys_enter_openat', 'tracepoint/syscalls/sys_exit_openat'],
  );
  const enter = disassembleSection(elf, 'tracepoint/syscalls/sys_enter_openat', { helpers, linum: true });
  assert.equal(lines(enter)[0], 'int handle_enter(struct trace_event_raw_sys_enter * ctx):');
  assert.match(
    enter,
    /^; u64 id = bpf_get_current_pid_tgid\(\); \[file:\S+snoop\.bpf\.c line_num:42 line_col:12\]$/m,
  );
  has(enter, ': (85) call bpf_get_current_pid_tgid#14');
  has(enter, ': (18) r1 = &targ_pid');
  has(enter, ': (18) r1 = map[start]');
  has(enter, ': (85) call bpf_map_update_elem#2');
  const exit = disassembleSection(elf, 'tracepoint/syscalls/sys_exit_openat', { helpers });
  has(exit, ': (18) r2 = map[events]');
  has(exit, ': (18) r3 = 0xffffffff');
  has(exit, ': (85) call bpf_perf_event_output#25');
  has(exit, ': (85) call bpf_ringbuf_reserve#131');
  has(exit, ': (85) call bpf_probe_read_user_str#114');
  has(exit, ': (95) exit');
});

test('bpf-to-bpf calls, callbacks and subprogram signatures', async () => {
  const elf = await object('calls');
  const text = disassembleSection(elf, '.text', { helpers });
  assert.match(text, /^int global_helper\(int n\):$/m);
  assert.match(text, /^u32 mix\(u32 a, u32 b\):$/m);
  assert.match(text, /^int loop_cb\(u32 index, void \* data\):$/m);
  has(text, ': (24) w1 *= -1640531535');
  const main = disassembleSection(elf, 'tracepoint/syscalls/sys_enter_getpid', { helpers });
  assert.equal(lines(main)[0], 'int calls_main(void * ctx):');
  has(main, ': (85) call mix');
  has(main, ': (85) call global_helper');
  has(main, ': (18) r2 = subprog[loop_cb]');
  has(main, ': (85) call bpf_loop#181');
  has(main, ': (18) r1 = map[counts]');
});

test('atomics, global variables and 64-bit immediates', async () => {
  const elf = await object('atomics');
  const text = disassembleSection(elf, 'tracepoint/syscalls/sys_enter_getppid', { helpers, opcodes: true });
  for (const want of [
    ': (18) r2 = &total',
    ': (db) lock *(u64 *)(r2 +0) += r1',
    ': (c3) lock *(u32 *)(r3 +0) += r1',
    ': (db) lock *(u64 *)(r3 +0) |= r1',
    ': (db) lock *(u64 *)(r3 +0) &= r1',
    ': (db) lock *(u64 *)(r3 +0) ^= r1',
    ': (db) r1 = atomic64_fetch_add((u64 *)(r2 +0), r1)',
    ': (db) r1 = atomic64_fetch_or((u64 *)(r2 +0), r1)',
    ': (db) r1 = atomic64_fetch_and((u64 *)(r2 +0), r1)',
    ': (db) r1 = atomic64_fetch_xor((u64 *)(r2 +0), r1)',
    ': (c3) r1 = atomic_fetch_xor((u32 *)(r3 +0), r1)',
    ': (db) r0 = atomic64_xchg((u64 *)(r2 +0), r0)',
    ': (db) r0 = atomic64_cmpxchg((u64 *)(r3 +0), r0, r2)',
    ': (18) r2 = &magic',
    ': (18) r1 = &msg',
  ]) {
    has(text, want);
  }
  // With opcodes, an ld_imm64 shows both slots' bytes on one line.
  assert.match(text, /^ {7}18 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00$/m);
});

test('kfunc calls and per-CPU maps in object code', async () => {
  const elf = await object('kfuncs');
  const text = disassembleSection(elf, 'tp_btf/sched_process_fork', { helpers });
  assert.equal(lines(text)[0], 'int on_fork(unsigned long long * ctx):');
  has(text, ': (85) call bpf_get_smp_processor_id#8');
  has(text, ': (18) r1 = map[pcpu]');
  has(text, ': (85) call bpf_rcu_read_lock');
  has(text, ': (85) call bpf_task_from_pid');
  has(text, ': (85) call bpf_task_release');
});

test('ALU forms, byte swaps and loops; -mcpu=v3 uses JMP32 and ALU32, v1 does not', async () => {
  const v3 = disassembleSection(await object('alu', 'v3'), 'raw_tp/sys_enter', { helpers });
  for (const bits of [16, 32, 64]) assert.match(v3, new RegExp(`\\(dc\\) r(\\d) = be${bits} r\\1$`, 'm'));
  assert.match(v3, /\(87\) r\d = -r\d$/m);
  assert.match(v3, /\(c7\) r\d s>>= 5$/m);
  assert.match(v3, /\(c4\) w\d s>>= 4$/m);
  assert.match(v3, /\(3f\) r\d \/= r\d$/m);
  assert.match(v3, /\(05\) goto pc-\d+$/m, 'the loop has a back edge');
  assert.match(v3, /\((a6|26|c6)\) if w\d /m, 'v3 uses JMP32');
  const v1 = disassembleSection(await object('alu', 'v1'), 'raw_tp/sys_enter', { helpers });
  assert.doesNotMatch(v1, /\) if w\d /m, 'v1 has no JMP32');
  assert.doesNotMatch(v1, /\) w\d /m, 'v1 has no ALU32');
});

test('without relocations or BTF the raw encoding shows', async () => {
  const elf = await object('snoop');
  const sec = elf.section('tracepoint/syscalls/sys_enter_openat')!;
  const text = disassemble(elf.sectionData(sec), { helpers });
  has(text, ': (18) r1 = 0x0');
  assert.doesNotMatch(text, /^;/m);
  const noBtf = listSection(elf, sec.name, { btf: false, helpers });
  assert.equal(noBtf[0].proto, 'handle_enter', 'ELF function symbols label the code');
  assert.throws(() => disassembleSection(elf, '.maps'), NotFoundError);
  assert.throws(() => disassembleSection(elf, 'nope'), NotFoundError);
});
