/**
 * Sources written for a newer libbpf and bpftool build unchanged with `bpfkit build` on Debian's
 * libbpf 1.1 headers, and run on the real kernel: BPF_UPROBE/BPF_URETPROBE and bpf_ksym_exists come
 * from bpf/include's compat header, kfunc prototypes from the generated vmlinux.h. The sources only
 * include vmlinux.h, <bpf/bpf_helpers.h> and <bpf/bpf_tracing.h>. Needs root and `npm run build`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type BuildResult } from '../../src/build/index.js';
import { ObjectSpec } from '../../src/spec/object.js';
import { fixture, objectIdsOf, startCli, stillExisting, waitFor, type CliRun } from '../helpers/bpf.js';
import { testEnv } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfkit-compat-'));
const TARGET = join(dir, 'hooks-target');
after(() => rmSync(dir, { recursive: true, force: true }));

before(() => {
  execFileSync('gcc', ['-O2', '-o', TARGET, fixture('hooks-target.c')]);
});

/** Builds test/fixtures/compat/<name>.bpf.c with `bpfkit build`, as a user would. */
async function buildFixture(name: string): Promise<BuildResult> {
  const src = join(dir, `${name}.bpf.c`);
  copyFileSync(fixture(`compat/${name}.bpf.c`), src);
  const r = await build({ source: src, env: testEnv() });
  assert.equal(r.diagnostics, '', 'clang has nothing to say');
  return r;
}

/** Stops a run with Ctrl-C; checks it exits 0 and leaves none of the programs it held loaded. */
async function stop(run: CliRun, progIds: number[]): Promise<void> {
  run.child.kill('SIGINT');
  assert.equal(await run.exited, 0, run.stderr());
  assert.deepEqual(await stillExisting('prog', progIds), [], 'our programs are gone');
}

/** The JSON lines printed so far. */
const events = (run: CliRun): Record<string, unknown>[] =>
  run
    .stdout()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test('BPF_UPROBE / BPF_URETPROBE: a uprobe on a function of a test-built program sees its args and return values', async () => {
  const pkg = (await buildFixture('uprobe-calls')).packagePath;
  const run = startCli(['run', pkg, '--uprobe', `${TARGET}:bpfkit_target`, '--json']);
  try {
    // Each poke is a new process calling bpfkit_target(1..4); the first one fully seen is checked.
    const pid = await waitFor(
      () => {
        const byPid = new Map<unknown, number>();
        for (const e of events(run)) byPid.set(e.pid, (byPid.get(e.pid) ?? 0) + 1);
        return [...byPid].find(([, n]) => n === 8)?.[0];
      },
      () => assert.equal(spawnSync(TARGET, ['4']).status, 0),
    );
    const mine = events(run).filter((e) => e.pid === pid);
    assert.deepEqual(
      mine.map((e) => [e.kind, e.value]),
      [1, 2, 3, 4].flatMap((x) => [
        ['CALL_ENTRY', x],
        ['CALL_RETURN', 2 * x],
      ]),
    );
    const ids = objectIdsOf(run.child.pid!, 'prog');
    assert.equal(ids.length, 2, 'two programs: the uprobe and the uretprobe');
    await stop(run, ids);
  } finally {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
  }
});

test('kfuncs declared by vmlinux.h: bpf_task_acquire/release and bpf_rcu_read_lock/unlock load and run from tp_btf', async () => {
  const built = await buildFixture('kfunc-exec');
  const pkg = built.packagePath;
  // The calls left in the object: extern FUNCs in .ksyms, which libbpf resolves against the kernel.
  const obj = new ObjectSpec(built.object);
  const ksyms = obj.btf!.byName('.ksyms', 'datasec')[0];
  assert.ok(ksyms?.kind === 'datasec');
  assert.deepEqual(ksyms.vars.map((v) => obj.btf!.types[v.type].name).sort(), [
    'bpf_rcu_read_lock',
    'bpf_rcu_read_unlock',
    'bpf_task_acquire',
    'bpf_task_release',
    'bpfkit_no_such_kfunc',
  ]);
  const run = startCli(['run', pkg, '--targ_ppid', String(process.pid), '--json']);
  try {
    const e = await waitFor(
      () => events(run).find((x) => x.comm === 'true'),
      () => spawnSync('/bin/true'),
    );
    assert.equal(e.ppid, process.pid, "the parent's tgid, read under bpf_rcu_read_lock");
    assert.equal(typeof e.pid, 'number');
    assert.equal(e.has_acquire, true, 'bpf_ksym_exists: the kernel has bpf_task_acquire');
    assert.equal(e.has_missing, false, 'bpf_ksym_exists: no kernel has bpfkit_no_such_kfunc');
    await stop(run, objectIdsOf(run.child.pid!, 'prog'));
  } finally {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
  }
});

test('sources that define the compat macros themselves still build, silently', async () => {
  const src = join(dir, 'own-macros.bpf.c');
  writeFileSync(
    src,
    `#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* As sources that support older libbpf do: one unguarded, with libbpf's tokens, one guarded. */
#define BPF_UPROBE(name, args...)  BPF_KPROBE(name, ##args)
#ifndef BPF_URETPROBE
#define BPF_URETPROBE(name, args...) BPF_KRETPROBE(name, ## args)
#endif

__u64 sum;

SEC("uprobe")
int BPF_UPROBE(own_call, int x)
{
	sum += x;
	return 0;
}

SEC("uretprobe")
int BPF_URETPROBE(own_return, int ret)
{
	sum += ret;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
`,
  );
  const r = await build({ source: src, env: testEnv() });
  assert.equal(r.diagnostics, '');
  assert.deepEqual(
    r.meta.programs.map((p) => [p.name, p.attach]),
    [
      ['own_call', 'uprobe'],
      ['own_return', 'uretprobe'],
    ],
  );
});
