/**
 * The BTF-to-C dumper against the running kernel's BTF and a fixture object: the header compiles for
 * the BPF target with libbpf's headers, and clang lays out every named struct and union exactly as BTF
 * records it (static asserts on sizeof and offsetof generated from the BTF).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Btf, VMLINUX_BTF_PATH } from '../../src/btf/btf.js';
import { formatC, formatCBytes } from '../../src/btf/format-c.js';
import { BtfTable, K } from '../../src/btf/format-c-table.js';
import { CNames } from '../../src/btf/format-c-names.js';
import { ElfFile } from '../../src/elf/reader.js';
import { fixture } from '../helpers/bpf.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfkit-formatc-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const kernel = BtfTable.fromBytes(readFileSync(VMLINUX_BTF_PATH));
const header = join(dir, 'vmlinux.h');
writeFileSync(header, formatCBytes(kernel));

function clang(src: string, extra: string[] = []): { ok: boolean; stderr: string } {
  const r = spawnSync(
    'clang',
    [
      '-target',
      'bpf',
      '-g',
      '-O2',
      '-D__TARGET_ARCH_x86',
      '-Wall',
      `-I${dir}`,
      ...extra,
      '-c',
      src,
      '-o',
      `${src}.o`,
    ],
    { encoding: 'utf8' },
  );
  return { ok: r.status === 0, stderr: r.stderr };
}

/**
 * `_Static_assert`s that struct/union `id` has its BTF size and every non-bit-field member (also
 * those reached through anonymous members) its BTF offset.
 */
function layoutAsserts(t: BtfTable, names: CNames, id: number, out: string[]): void {
  const tag = `${t.kinds[id] === K.UNION ? 'union' : 'struct'} ${names.text(id)}`;
  out.push(`_Static_assert(sizeof(${tag}) == ${t.sizeOrType(id)}, "${tag}: size");`);
  const walk = (cid: number, base: number): void => {
    const at = t.start[cid];
    const kflag = t.kflag(cid);
    for (let i = 0, o = at + 3; i < t.vlen(cid); i++, o += 3) {
      if (kflag && t.u32[o + 2] >>> 24) continue; // offsetof does not apply to bit-fields
      const off = base + (kflag ? t.u32[o + 2] & 0xffffff : t.u32[o + 2]);
      let r = t.u32[o + 1];
      while (TRANSPARENT.has(t.kinds[r])) r = t.sizeOrType(r);
      const name = t.str(t.u32[o]);
      if (name)
        out.push(`_Static_assert(__builtin_offsetof(${tag}, ${name}) == ${off / 8}, "${tag}.${name}");`);
      else if (t.kinds[r] === K.STRUCT || t.kinds[r] === K.UNION) walk(r, off);
    }
  };
  walk(id, 0);
}

const TRANSPARENT = new Set<number>([K.TYPEDEF, K.CONST, K.VOLATILE, K.RESTRICT, K.TYPE_TAG]);

function namedComposites(t: BtfTable): number[] {
  const ids: number[] = [];
  for (const id of t.decls)
    if ((t.kinds[id] === K.STRUCT || t.kinds[id] === K.UNION) && t.name(id)) ids.push(id);
  return ids;
}

test('vmlinux.h of this kernel compiles for the BPF target with libbpf headers', () => {
  const text = readFileSync(header, 'latin1');
  assert.match(text, /^#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n/);
  assert.match(
    text,
    /#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute push \(__attribute__\(\(preserve_access_index\)\), apply_to = record\)\n#endif/,
  );
  assert.match(
    text,
    /#pragma clang attribute pop\n#endif\n\n#ifndef BPF_NO_KFUNC_PROTOTYPES\n(extern [^\n]+;\n)+#endif \/\* BPF_NO_KFUNC_PROTOTYPES \*\/\n\n#endif \/\* __VMLINUX_H__ \*\/\n$/,
    'the kfunc prototypes come last',
  );
  assert.match(text, /\nstruct task_struct \{\n/);
  assert.match(text, /___2\b/, 'duplicate BTF names get ___N suffixes');
  const src = join(dir, 'prog.bpf.c');
  writeFileSync(
    src,
    `#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	u32 *e = bpf_ringbuf_reserve(&events, sizeof(u32), 0);
	if (!e)
		return 0;
	*e = BPF_CORE_READ(task, real_parent, tgid) + p->pid + bprm->argc;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
`,
  );
  const r = clang(src);
  assert.ok(r.ok, r.stderr);
  assert.doesNotMatch(r.stderr, /vmlinux\.h/, 'no diagnostics in the generated header');
});

test('every named struct and union of the kernel has its BTF layout (sizeof/offsetof)', () => {
  const names = new CNames(kernel);
  const ids = namedComposites(kernel);
  assert.ok(ids.length > 1000);
  // All of them (~10k types, ~70k asserts) take about a second to check.
  const lines = ['#include "vmlinux.h"'];
  for (const id of ids) layoutAsserts(kernel, names, id, lines);
  const src = join(dir, 'layout.bpf.c');
  writeFileSync(src, lines.join('\n') + '\n');
  const r = clang(src, ['-fsyntax-only']);
  assert.ok(r.ok, r.stderr.split('\n').slice(0, 20).join('\n'));
});

test('a sample of 200 kernel structs compiles into BTF identical in layout to the kernel', () => {
  const names = new CNames(kernel);
  const ids = namedComposites(kernel).filter((id) => kernel.kinds[id] === K.STRUCT);
  const step = Math.floor(ids.length / 200);
  const sample = ids.filter((_, i) => i % step === 0).slice(0, 200);
  const src = join(dir, 'sample.bpf.c');
  writeFileSync(
    src,
    '#include "vmlinux.h"\n' +
      sample.map((id, i) => `struct ${names.text(id)} __sample_${i};`).join('\n') +
      '\n',
  );
  const r = clang(src);
  assert.ok(r.ok, r.stderr);
  const elf = new ElfFile(readFileSync(`${src}.o`));
  const obj = BtfTable.fromBytes(elf.sectionData(elf.section('.BTF')!));
  const objNames = new CNames(obj);
  const byName = new Map<string, number>();
  for (const id of namedComposites(obj)) byName.set(objNames.text(id), id);
  for (const id of sample) {
    const oid = byName.get(names.text(id));
    assert.ok(oid, `struct ${names.text(id)} in the object's BTF`);
    assert.equal(obj.sizeOrType(oid), kernel.sizeOrType(id), `size of struct ${names.text(id)}`);
    const members = (t: BtfTable, i: number): string[] => {
      const out: string[] = [];
      for (let m = 0, o = t.data(i); m < t.vlen(i); m++, o += 3)
        out.push(`${t.str(t.u32[o])}@${t.u32[o + 2]}`);
      return out;
    };
    assert.deepEqual(members(obj, oid), members(kernel, id), `members of struct ${names.text(id)}`);
  }
});

test('a BPF object BTF (every kind) dumps to C that compiles with the same layouts', () => {
  const obj = join(dir, 'kinds.bpf.o');
  execFileSync('clang', ['-g', '-O2', '-target', 'bpf', '-c', fixture('btf-kinds.bpf.c'), '-o', obj]);
  const elf = new ElfFile(readFileSync(obj));
  const raw = elf.sectionData(elf.section('.BTF')!);
  const text = formatC(new Btf(raw), { guard: '__KINDS_H__' });
  assert.match(text, /^#ifndef __KINDS_H__/);
  for (const line of [
    '\tunsigned int b: 13;',
    '} __attribute__((packed));',
    '\tlong b __attribute__((aligned(64)));',
    '} __attribute__((aligned(32)));',
    '\tint (*table[3])(int, long);',
    '\tchar (*rows)[8];',
    '\tconst volatile int cv;',
    '\tchar *restrict rp;',
    '\tconst char *const *argv;',
    'typedef int (*handler_t)(void *, const char *, ...);',
    'typedef unsigned long long counter_t[4];',
    'struct opaque;',
    'union opaque_u;',
    '\tunion {\n\t\tstruct {\n\t\t\t__u32 lo;',
    'NEG = 4294967294,',
  ]) {
    assert.ok(text.includes(line), `header has ${JSON.stringify(line)}\n${text}`);
  }
  writeFileSync(join(dir, 'kinds.h'), text);
  const table = BtfTable.fromBytes(raw);
  const names = new CNames(table);
  const lines = ['#include "kinds.h"'];
  for (const id of namedComposites(table)) layoutAsserts(table, names, id, lines);
  lines.push(
    '_Static_assert(sizeof(enum tiny) == 1, "tiny");',
    '_Static_assert(sizeof(enum big) == 8, "big");',
  );
  const src = join(dir, 'kinds-layout.bpf.c');
  writeFileSync(src, lines.join('\n') + '\n');
  const r = clang(src, ['-fsyntax-only']);
  assert.ok(r.ok, r.stderr);
});

test('formatC takes a parsed Btf or a BtfTable and gives the same text', () => {
  const elfless = formatC(Btf.kernel());
  assert.equal(elfless, readFileSync(header, 'latin1'));
});

test('kfunc prototypes: each FUNC tagged bpf_kfunc becomes a weak extern in .ksyms, behind a guard', () => {
  const obj = join(dir, 'kfunc-tags.bpf.o');
  execFileSync('clang', ['-g', '-O2', '-target', 'bpf', '-c', fixture('btf/kfunc-tags.bpf.c'), '-o', obj]);
  const elf = new ElfFile(readFileSync(obj));
  const text = formatC(new Btf(elf.sectionData(elf.section('.BTF')!)));
  const attrs = ' __attribute__((weak)) __attribute__((section(".ksyms")));';
  const block = text.slice(text.indexOf('#ifndef BPF_NO_KFUNC_PROTOTYPES\n'));
  assert.equal(
    block,
    '#ifndef BPF_NO_KFUNC_PROTOTYPES\n' +
      `extern struct item *kt_item_acquire(struct item *it, u32 flags)${attrs}\n` +
      `extern void kt_walk(struct item *head, visit_fn fn, void *ctx)${attrs}\n` +
      `extern int kt_apply(int (*op)(int, int), int x)${attrs}\n` +
      `extern int kt_noargs(void)${attrs}\n` +
      '#endif /* BPF_NO_KFUNC_PROTOTYPES */\n\n' +
      '#endif /* __VMLINUX_H__ */\n',
    'after every type and the access-index pragma; a tag on a parameter or another tag is no kfunc',
  );
  assert.ok(text.indexOf('#pragma clang attribute pop') < text.indexOf('BPF_NO_KFUNC_PROTOTYPES'));
  // BTF without kfunc tags (a program's own) gets no block at all.
  const kinds = join(dir, 'kinds-nokfunc.bpf.o');
  execFileSync('clang', ['-g', '-O2', '-target', 'bpf', '-c', fixture('btf-kinds.bpf.c'), '-o', kinds]);
  const kelf = new ElfFile(readFileSync(kinds));
  assert.doesNotMatch(formatC(new Btf(kelf.sectionData(kelf.section('.BTF')!))), /KFUNC|\.ksyms/);
});

test("the kernel's kfuncs are declared: calls compile without declarations, redeclarations still compile", () => {
  const text = readFileSync(header, 'latin1');
  const externs = text.split('\n').filter((l) => l.startsWith('extern '));
  const names = externs.map((l) => /(\w+)\(/.exec(l)![1]);
  // Every kfunc the kernel tags (bpftool's raw listing is the peer's view of the same BTF).
  const raw = execFileSync('bpftool', ['btf', 'dump', 'file', VMLINUX_BTF_PATH], {
    maxBuffer: 1 << 30,
  }).toString();
  const funcName = new Map<string, string>();
  for (const m of raw.matchAll(/^\[(\d+)\] FUNC '(\w+)'/gm)) funcName.set(m[1], m[2]);
  const tagged = [...raw.matchAll(/^\[\d+\] DECL_TAG 'bpf_kfunc' type_id=(\d+) component_idx=-1$/gm)].map(
    (m) => funcName.get(m[1])!,
  );
  assert.ok(tagged.length > 50, `${tagged.length} kfuncs tagged in this kernel's BTF`);
  assert.deepEqual([...names].sort(), [...new Set(tagged)].sort());
  assert.ok(
    externs.includes(
      'extern struct task_struct *bpf_task_acquire(struct task_struct *p) __attribute__((weak)) __attribute__((section(".ksyms")));',
    ),
  );
  const prog = (decls: string): string => `#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
${decls}
__u64 seen;
SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p)
{
	struct task_struct *t = bpf_task_acquire(p);
	if (!t)
		return 0;
	bpf_rcu_read_lock();
	seen += t->real_parent->tgid;
	bpf_rcu_read_unlock();
	bpf_task_release(t);
	return 0;
}
char LICENSE[] SEC("license") = "GPL";
`;
  const own = `extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;`;
  for (const [name, decls, extra] of [
    ['kfunc-bare', '', []],
    ['kfunc-redeclared', own, []],
    ['kfunc-guarded', own, ['-DBPF_NO_KFUNC_PROTOTYPES']],
  ] as const) {
    const src = join(dir, `${name}.bpf.c`);
    writeFileSync(src, prog(decls));
    const r = clang(src, [...extra]);
    assert.ok(r.ok, `${name}: ${r.stderr}`);
    assert.equal(r.stderr, '', `${name}: no warnings`);
    // Only the kfuncs called reach the object, as extern FUNCs in .ksyms.
    const elf = new ElfFile(readFileSync(`${src}.o`));
    const btf = new Btf(elf.sectionData(elf.section('.BTF')!));
    const ksyms = btf.byName('.ksyms', 'datasec')[0];
    assert.ok(ksyms?.kind === 'datasec', `${name}: a .ksyms section`);
    const inKsyms = ksyms.vars.map((v) => btf.types[v.type].name).sort();
    assert.deepEqual(inKsyms, [
      'bpf_rcu_read_lock',
      'bpf_rcu_read_unlock',
      'bpf_task_acquire',
      'bpf_task_release',
    ]);
  }
  // Without the prototypes and without its own declarations, a call is undeclared again.
  const r = clang(join(dir, 'kfunc-bare.bpf.c'), ['-DBPF_NO_KFUNC_PROTOTYPES']);
  assert.match(r.stderr, /implicit declaration of function 'bpf_task_acquire'/);
});
