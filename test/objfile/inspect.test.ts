/**
 * `bpfkit inspect` on our fixture object (test/fixtures/inspect/inspect.bpf.c): the exact report
 * (programs, subprograms, maps, globals with initial values, CO-RE relocations, BTF), --json,
 * --disasm, the same object inside a package built by `bpfkit build`, and bad input. Needs clang and
 * the built CLI (npm run build); no kernel objects are created.
 *
 * The fixture is compiled in a fixed directory with that directory as the working directory, because
 * its path ends up in the object's debug info and BTF strings, and so in the section sizes shown.
 * Instruction counts are those of Debian's clang 14, which CI uses.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { compileBpf, fixture, runCli } from '../helpers/bpf.js';

const DIR = '/tmp/bpfkit-inspect-test';

before(async () => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  copyFileSync(fixture('inspect/inspect.bpf.c'), join(DIR, 'inspect.bpf.c'));
  process.chdir(DIR);
  copyFileSync(await compileBpf(join(DIR, 'inspect.bpf.c'), 'inspect-fixture'), join(DIR, 'inspect.bpf.o'));
});

const EXPECTED = `inspect.bpf.o: BPF object (ELF64 relocatable, 14960 bytes)
License: Dual BSD/GPL

Sections (32):
  [Nr]  Name                                    Type          Size  Flags  Holds
  [ 1]  .strtab                                 STRTAB         512         string table (section and symbol names)
  [ 2]  .text                                   PROGBITS       152  AX     subprogram parent_tgid
  [ 3]  tracepoint/syscalls/sys_enter_kill      PROGBITS       512  AX     program kill_entry
  [ 4]  .reltracepoint/syscalls/sys_enter_kill  REL             96  I      6 relocations of [3] tracepoint/syscalls/sys_enter_kill
  [ 5]  tracepoint/syscalls/sys_exit_kill       PROGBITS       456  AX     program kill_exit
  [ 6]  .reltracepoint/syscalls/sys_exit_kill   REL             96  I      6 relocations of [5] tracepoint/syscalls/sys_exit_kill
  [ 7]  .rodata                                 PROGBITS        17  A      read-only globals: target_tgid, min_signal, comm_prefix, with_parent
  [ 8]  .data                                   PROGBITS         4  WA     initialised globals: sample_every
  [ 9]  .maps                                   PROGBITS        48  WA     map definitions: pending, events
  [10]  .bss                                    NOBITS          16  WA     zero-initialised globals: seen, sent
  [11]  license                                 PROGBITS        13  WA     license "Dual BSD/GPL"
  [12]  .debug_loclists                         PROGBITS       170         DWARF debug info
  [13]  .debug_abbrev                           PROGBITS       404         DWARF debug info
  [14]  .debug_info                             PROGBITS      1057         DWARF debug info
  [15]  .rel.debug_info                         REL             96  I      6 relocations of [14] .debug_info
  [16]  .debug_rnglists                         PROGBITS        29         DWARF debug info
  [17]  .debug_str_offsets                      PROGBITS       276         DWARF debug info
  [18]  .rel.debug_str_offsets                  REL           1072  I      67 relocations of [17] .debug_str_offsets
  [19]  .debug_str                              PROGBITS       803  MS     DWARF debug info
  [20]  .debug_addr                             PROGBITS       136         DWARF debug info
  [21]  .rel.debug_addr                         REL            256  I      16 relocations of [20] .debug_addr
  [22]  .BTF                                    PROGBITS      2711         BTF type information
  [23]  .rel.BTF                                REL            160  I      10 relocations of [22] .BTF
  [24]  .BTF.ext                                PROGBITS      1060         BTF function and line info, CO-RE relocations
  [25]  .rel.BTF.ext                            REL            976  I      61 relocations of [24] .BTF.ext
  [26]  .debug_frame                            PROGBITS        88         DWARF debug info
  [27]  .rel.debug_frame                        REL             96  I      6 relocations of [26] .debug_frame
  [28]  .debug_line                             PROGBITS       404         DWARF debug info
  [29]  .rel.debug_line                         REL            144  I      9 relocations of [28] .debug_line
  [30]  .debug_line_str                         PROGBITS       129  MS     DWARF debug info
  [31]  .llvm_addrsig                           LLVM_ADDRSIG     8  E      address-significance table (for the linker)
  [32]  .symtab                                 SYMTAB         792         symbol table (33 symbols)

Programs (2):
  kill_entry
    section       tracepoint/syscalls/sys_enter_kill
    type          tracepoint
    attaches to   tracepoint syscalls/sys_enter_kill
    instructions  64
    calls         parent_tgid
    helpers       bpf_get_current_task, bpf_get_current_pid_tgid, bpf_probe_read_kernel, bpf_get_current_comm, bpf_map_update_elem
    maps          .rodata, pending, .bss
    globals       target_tgid, min_signal, with_parent, seen
    CO-RE         2 relocations
      Insn  Kind               Access
        17  field_byte_offset  struct task_struct.tgid (0:1)
        27  field_byte_offset  struct trace_event_raw_sys_enter.args[1] (0:2:1)
  kill_exit
    section       tracepoint/syscalls/sys_exit_kill
    type          tracepoint
    attaches to   tracepoint syscalls/sys_exit_kill
    instructions  57
    helpers       bpf_get_current_pid_tgid, bpf_map_lookup_elem, bpf_ringbuf_reserve, bpf_ringbuf_submit, bpf_map_delete_elem
    maps          pending, .bss, .data, events
    globals       seen, sample_every, sent
    CO-RE         none

Subprograms (1):
  parent_tgid
    section       .text
    linkage       static
    instructions  19
    helpers       bpf_probe_read_kernel
    CO-RE         3 relocations
      Insn  Kind               Access
         2  field_exists       struct task_struct.real_parent (0:2)
         4  field_byte_offset  struct task_struct.real_parent (0:2)
        10  field_byte_offset  struct task_struct.tgid (0:1)

Maps (5):
  Name     Type     Key       Value             Max entries  Section
  pending  hash     __u32 4B  struct event 28B         1024  .maps
  events   ringbuf  -         -                      262144  .maps
  .rodata  array    4B        .rodata 17B                 1  .rodata
  .data    array    4B        .data 4B                    1  .data
  .bss     array    4B        .bss 16B                    1  .bss

Globals (7):
  Name          Section  Offset  Size  Type                    Initial value
  target_tgid   .rodata       0     4  const volatile __u32    42
  min_signal    .rodata       4     4  const volatile int      9
  comm_prefix   .rodata       8     8  const volatile char[8]  "kill"
  with_parent   .rodata      16     1  const volatile bool     true
  sample_every  .data         0     4  int                     100
  seen          .bss          0     8  __u64                   0
  sent          .bss          8     8  __u64                   0

BTF:
  .BTF      2711 bytes: 62 types, 1427 bytes of strings
  kinds     int 8, ptr 9, array 8, struct 5, typedef 3, volatile 4, const 4, func 3, func_proto 3, var 10, datasec 5
  .BTF.ext  1060 bytes: 3 func_info, 53 line_info, 5 CO-RE relocations
  sources   /tmp/bpfkit-inspect-test/inspect.bpf.c
`;

test('inspect names programs, maps, globals with initial values and CO-RE relocations', async () => {
  const r = await runCli(['inspect', 'inspect.bpf.o']);
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, EXPECTED);
});

test('--json gives the same report as one JSON document', async () => {
  const r = await runCli(['inspect', 'inspect.bpf.o', '--json']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim().split('\n').length, 1, 'one line');
  const j = JSON.parse(r.stdout) as {
    kind: string;
    license: string;
    programs: {
      name: string;
      type: string;
      attach: string;
      target: string;
      insns: number;
      calls: string[];
    }[];
    subprograms: { name: string; coreRelocations: { insn: number; kind: string; spec: string }[] }[];
    maps: { name: string; type: string; keyType: string; valueType: string; maxEntries: number }[];
    globals: { name: string; value: unknown }[];
    btf: { types: number; ext: { coreRelocations: number } };
  };
  assert.equal(j.kind, 'object');
  assert.equal(j.license, 'Dual BSD/GPL');
  assert.deepEqual(
    j.programs.map((p) => [p.name, p.type, p.attach, p.target, p.insns, p.calls]),
    [
      ['kill_entry', 'tracepoint', 'tracepoint', 'syscalls/sys_enter_kill', 64, ['parent_tgid']],
      ['kill_exit', 'tracepoint', 'tracepoint', 'syscalls/sys_exit_kill', 57, []],
    ],
  );
  assert.deepEqual(j.subprograms[0].coreRelocations[0], {
    insn: 2,
    kind: 'field_exists',
    typeId: 30,
    type: 'struct task_struct',
    access: '0:2',
    spec: 'struct task_struct.real_parent',
  });
  assert.deepEqual(
    j.maps.slice(0, 2).map((m) => [m.name, m.type, m.keyType, m.valueType, m.maxEntries]),
    [
      ['pending', 'hash', '__u32', 'struct event', 1024],
      ['events', 'ringbuf', '', '', 262144],
    ],
  );
  assert.deepEqual(
    j.globals.map((g) => [g.name, g.value]),
    [
      ['target_tgid', 42],
      ['min_signal', 9],
      ['comm_prefix', 'kill'],
      ['with_parent', true],
      ['sample_every', 100],
      ['seen', 0],
      ['sent', 0],
    ],
  );
  assert.equal(j.btf.ext.coreRelocations, 5);
});

test('--disasm adds each function’s disassembly with its source lines', async () => {
  const r = await runCli(['inspect', 'inspect.bpf.o', '--disasm']);
  assert.equal(r.code, 0);
  const lines = r.stdout.split('\n');
  for (const want of [
    '    disassembly:',
    '      int kill_entry(struct trace_event_raw_sys_enter * ctx):',
    '      ; e.sig = ctx->args[1];',
    '        27: (79) r1 = *(u64 *)(r8 +24)',
    '        43: (85) call parent_tgid',
    '      __u32 parent_tgid(struct task_struct * task):',
    '      ; return BPF_CORE_READ(task, real_parent, tgid);',
    '        16: (85) call bpf_probe_read_kernel#113',
    '      int kill_exit(void * ctx):',
  ])
    assert.ok(lines.includes(want), `expected the line ${JSON.stringify(want)}`);
  // Without --disasm the report is the same, minus the listings.
  const plain = lines.filter(
    (l, i) =>
      !/^ {6}/.test(l) ||
      !lines
        .slice(0, i)
        .reverse()
        .find((x) => !/^ {6}/.test(x))
        ?.startsWith('    disassembly:'),
  );
  assert.equal(plain.filter((l) => l !== '    disassembly:').join('\n'), EXPECTED);
});

test('inspect a package built by bpfkit build: the object inside, with the package named', async () => {
  const b = await runCli(['build', 'inspect.bpf.c', '-o', 'pkg']);
  assert.equal(b.code, 0, b.stderr);
  const r = await runCli(['inspect', 'pkg/inspect.bpfkit.json']);
  assert.equal(r.code, 0, r.stderr);
  const [head] = r.stdout.split('\n');
  assert.match(
    head,
    /^pkg\/inspect\.bpfkit\.json: package "inspect" holding a BPF object \(ELF64 relocatable, \d+ bytes\)$/,
  );
  // bpfkit build adds an event-type marker; programs, maps and globals are those of the object.
  const block = (text: string): string => text.slice(text.indexOf('Programs ('), text.indexOf('BTF:'));
  assert.equal(block(r.stdout), block(EXPECTED));
  assert.match(r.stdout, /\.bpfkit\.events +PROGBITS +\d+ +WA +event-type markers/);
  const dir = await runCli(['inspect', 'pkg', '--json']);
  assert.equal(dir.code, 0, dir.stderr);
  const j = JSON.parse(dir.stdout) as { kind: string; package: { name: string } };
  assert.equal(j.kind, 'package');
  assert.equal(j.package.name, 'inspect');
});

async function expectError(args: string[], code: number, message: RegExp): Promise<void> {
  const r = await runCli(args);
  assert.equal(r.code, code, `exit status of bpfkit ${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  assert.ok(lines.length <= 2, `one error line (plus at most a usage hint), got:\n${r.stderr}`);
  assert.match(lines[0], message);
}

test('bad input: one error line and exit 1, or exit 2 for usage', async () => {
  await expectError(['inspect', '/etc/passwd'], 1, /^bpfkit: \/etc\/passwd: not a BPF object/);
  await expectError(['inspect', 'no-such-file.bpf.o'], 1, /^bpfkit: no-such-file\.bpf\.o: no such file$/);
  await expectError(['inspect', '/bin/true'], 1, /^bpfkit: \/bin\/true: not a BPF object \(ELF machine 62/);
  await expectError(['inspect'], 2, /missing required argument 'target'/);
});

test('calls, callbacks and kfuncs of the disassembler fixtures', async () => {
  type J = { programs: { name: string; calls: string[]; kfuncs: string[]; helpers: { name: string }[] }[] };
  const inspect = async (name: string): Promise<J> => {
    const obj = await compileBpf(fixture(`asm/${name}.bpf.c`), `inspect-${name}`);
    const r = await runCli(['inspect', obj, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as J;
  };
  const calls = (await inspect('calls')).programs[0];
  assert.deepEqual(calls.calls, ['mix', 'loop_cb', 'global_helper']);
  assert.ok(calls.helpers.some((h) => h.name === 'bpf_loop'));
  const kfuncs = (await inspect('kfuncs')).programs[0];
  assert.deepEqual(kfuncs.kfuncs, [
    'bpf_rcu_read_lock',
    'bpf_rcu_read_unlock',
    'bpf_task_from_pid',
    'bpf_task_release',
  ]);
  assert.deepEqual(kfuncs.calls, []);
});
