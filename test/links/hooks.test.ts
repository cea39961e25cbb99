/**
 * Attach by section on the real kernel (issue 2, kernel layer): each hook kind is loaded, attached,
 * triggered, and proven by a .bss counter read back through BpfMap; hooks this kernel lacks fail
 * with a NotSupportedError naming the hook and the missing feature; autoload picks tp_btf or raw_tp.
 * Every test leaves none of its programs loaded.
 */
import { afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { BpfObject } from '../../src/object/collection.js';
import { BpfMap } from '../../src/maps/map.js';
import { dupFd } from '../../src/sys/libc.js';
import { onlineCpus } from '../../src/sys/cpus.js';
import { kprobeSupport } from '../../src/probes/kprobes.js';
import { NotSupportedError } from '../../src/errors/index.js';
import type { Encodable } from '../../src/btf/encode.js';
import { BUILD, compileBpf, fixture, leftLoaded, loadedPrograms, runCli } from '../helpers/bpf.js';

const PROGS = [
  'hk_getppid',
  'hk_exec_btf',
  'hk_exec_raw',
  'hk_perf_tick',
  'hk_uprobe',
  'hk_uretprobe',
  'hk_uprobe_sec',
  'hk_btf_missing',
  'hk_raw_missing',
  'hk_kprobe',
  'hk_kretprobe',
  'hk_fentry',
  'hk_fexit',
  'hk_lsm_open',
  'hk_cli_kprobe',
];
const TARGET = join(BUILD, 'hooks-target');
let objPath = '';

before(async () => {
  execFileSync('gcc', ['-O2', '-o', TARGET, fixture('hooks-target.c')]);
  objPath = await compileBpf(fixture('hooks.bpf.c'), 'hooks', [`UPROBE_BINARY="${TARGET}"`]);
});

afterEach(async () => {
  // raw_tp and tp_btf links free their program after an RCU grace period (~25 ms here), so poll.
  const end = Date.now() + 1000;
  while (loadedPrograms(PROGS).length && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(await leftLoaded(PROGS), [], 'none of our programs stays loaded');
});

/** Opens the hooks object with only `names` set to load, and `globals` set. */
function openOnly(names: string[], globals: Record<string, Encodable> = {}): BpfObject {
  const obj = BpfObject.open(objPath);
  for (const p of obj.programs) obj.setAutoload(p.spec.name, names.includes(p.spec.name));
  for (const [k, v] of Object.entries(globals)) obj.setGlobal(k, v);
  return obj;
}

/** The object's .bss globals, read through the map API (a BpfMap on a dup of libbpf's fd). */
function counters(obj: BpfObject): Record<string, bigint | bigint[]> {
  const m = BpfMap.fromFd(dupFd(obj.map('.bss').fd, '.bss'));
  try {
    return m.lookup(0) as Record<string, bigint | bigint[]>;
  } finally {
    m.close();
  }
}

/** Runs `fn` on a throwaway object and closes it whatever happens. */
async function withObject<T>(obj: BpfObject, fn: (obj: BpfObject) => T | Promise<T>): Promise<T> {
  try {
    return await fn(obj);
  } finally {
    obj.close();
  }
}

const spawnTrue = (n: number): void => {
  for (let i = 0; i < n; i++) assert.equal(spawnSync('/bin/true').status, 0);
};

test('tracepoint: syscalls/sys_enter_getppid counts exactly our getppid() calls', async () => {
  await withObject(openOnly(['hk_getppid'], { target_tgid: process.pid }), (obj) => {
    const links = obj.attachAll();
    assert.deepEqual(
      links.map((l) => l.description),
      ['tracepoint:syscalls:sys_enter_getppid'],
    );
    assert.equal(counters(obj).hits_tp, 0n);
    for (let i = 0; i < 7; i++) assert.equal(process.ppid > 0, true); // each read is a getppid(2)
    assert.equal(counters(obj).hits_tp, 7n);
  });
});

test('raw_tp and tp_btf: sched_process_exec counts the execs of our children', async () => {
  await withObject(openOnly(['hk_exec_raw', 'hk_exec_btf'], { parent_tgid: process.pid }), (obj) => {
    const links = obj.attachAll();
    assert.deepEqual(links.map((l) => l.description).sort(), [
      'raw_tracepoint:sched_process_exec',
      'tp_btf:sched_process_exec',
    ]);
    spawnTrue(3);
    const c = counters(obj);
    assert.equal(c.hits_raw_tp, 3n);
    assert.equal(c.hits_tp_btf, 3n);
  });
});

test('autoload: switching off tp_btf or raw_tp before load picks the other at run time', async () => {
  for (const [on, off, hits] of [
    ['hk_exec_btf', 'hk_exec_raw', 'hits_tp_btf'],
    ['hk_exec_raw', 'hk_exec_btf', 'hits_raw_tp'],
  ] as const) {
    const obj = openOnly(['hk_exec_btf', 'hk_exec_raw'], { parent_tgid: process.pid });
    await withObject(obj, () => {
      obj.setAutoload(off, false);
      assert.equal(obj.program(off).autoload, false);
      assert.equal(obj.program(on).autoload, true);
      obj.load();
      assert.throws(() => obj.setAutoload(off, true), /already loaded/);
      assert.ok(obj.program(off).fd < 0, `${off} is not loaded`);
      assert.ok(obj.program(on).fd >= 0, `${on} is loaded`);
      assert.equal(loadedPrograms([on]).length, 1, `bpftool sees ${on}`);
      assert.deepEqual(loadedPrograms([off]), [], `bpftool does not see ${off}`);
      assert.equal(obj.attachAll().length, 1, 'attachAll skips the program switched off');
      spawnTrue(2);
      const c = counters(obj);
      assert.equal(c[hits], 2n);
      assert.equal(c[hits === 'hits_tp_btf' ? 'hits_raw_tp' : 'hits_tp_btf'], 0n);
    });
    // The kernel frees tp_btf/raw_tp programs a little after close: wait, so the next round sees only its own.
    assert.deepEqual(await leftLoaded([on, off]), []);
  }
});

test('uprobe and uretprobe: binary:symbol resolved from the ELF, arguments and return values seen', async () => {
  await withObject(openOnly(['hk_uprobe', 'hk_uretprobe', 'hk_uprobe_sec']), (obj) => {
    const target = `${TARGET}:bpfkit_target`;
    const [up] = obj.attach('hk_uprobe', { uprobe: target });
    const [ret] = obj.attach('hk_uretprobe', { uprobe: target });
    assert.equal(up.description, `uprobe:${TARGET}:bpfkit_target`);
    assert.equal(ret.description, `uretprobe:${TARGET}:bpfkit_target`);
    // The third program names its binary and symbol in its section: no option needed.
    const [sec] = obj.attach('hk_uprobe_sec');
    assert.equal(sec.description, `uprobe:${TARGET}:bpfkit_target`);
    assert.equal(spawnSync(TARGET, ['5']).status, 0);
    const c = counters(obj);
    assert.equal(c.hits_uprobe, 5n);
    assert.equal(c.sum_uprobe_args, 15n, 'the uprobe sees arguments 1..5');
    assert.equal(c.hits_uretprobe, 5n);
    assert.equal(c.sum_uretprobe_rets, 30n, 'the uretprobe sees the return values 2..10');
    assert.equal(c.hits_uprobe_sec, 5n);
  });
});

test('uprobe with a pid: only that process counts, another run of the binary does not', async () => {
  await withObject(openOnly(['hk_uprobe']), async (obj) => {
    // Both wait on stdin before calling, so the probe is in place before either runs.
    const a = spawn(TARGET, ['3', 'wait'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const b = spawn(TARGET, ['4', 'wait'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const exits = [once(a, 'exit'), once(b, 'exit')];
    try {
      obj.attachAll({ uprobe: `${TARGET}:bpfkit_target`, pid: a.pid });
    } finally {
      a.stdin.end('go\n');
      b.stdin.end('go\n');
    }
    const [[codeA], [codeB]] = await Promise.all(exits);
    assert.equal(codeA, 0);
    assert.equal(codeB, 0);
    const c = counters(obj);
    assert.equal(c.hits_uprobe, 3n, 'the 4 calls of the other process are not counted');
    assert.equal(c.sum_uprobe_args, 6n);
  });
});

test('perf_event: cpu-clock sampling at 999 Hz on every online CPU', async () => {
  await withObject(openOnly(['hk_perf_tick']), async (obj) => {
    const cpus = onlineCpus();
    const t0 = Date.now();
    const links = obj.attach('hk_perf_tick', { frequency: 999 });
    assert.deepEqual(
      links.map((l) => l.description),
      cpus.map((c) => `perf_event:cpu-clock:999Hz:cpu${c}`),
    );
    // An idle CPU is barely sampled (tickless idle), so keep every CPU busy for 250 ms.
    const busy = cpus.map((cpu) =>
      once(
        spawn('timeout', ['0.25', 'taskset', '-c', String(cpu), 'sh', '-c', 'while :; do :; done']),
        'exit',
      ),
    );
    await Promise.all(busy);
    const c = counters(obj);
    const seconds = (Date.now() - t0) / 1000;
    const perCpu = c.perf_cpu_hits as bigint[];
    for (const cpu of cpus) {
      // ~250 samples at 999 Hz; the 99 Hz default would give ~25.
      assert.ok(perCpu[cpu] > 100n, `CPU ${cpu}: ${perCpu[cpu]} samples in ${seconds} s`);
      assert.ok(perCpu[cpu] < BigInt(Math.ceil(999 * seconds * 1.5)), `CPU ${cpu}: ${perCpu[cpu]} samples`);
    }
    assert.equal(
      c.hits_perf,
      cpus.reduce((sum, cpu) => sum + perCpu[cpu], 0n),
    );
  });
});

test('tp_btf and raw_tp naming a tracepoint the kernel lacks: NotSupportedError naming it', async () => {
  await withObject(openOnly(['hk_btf_missing']), (obj) => {
    assert.throws(
      () => obj.load(),
      (e: unknown) => {
        assert.ok(e instanceof NotSupportedError, String(e));
        assert.equal(e.feature, 'tp_btf:bpfkit_no_such_tracepoint');
        assert.match(e.message, /'hk_btf_missing' attaches to tp_btf:bpfkit_no_such_tracepoint/);
        return true;
      },
    );
  });
  await withObject(openOnly(['hk_raw_missing']), (obj) => {
    obj.load();
    assert.throws(
      () => obj.attachAll(),
      (e: unknown) => {
        assert.ok(e instanceof NotSupportedError, String(e));
        assert.equal(e.feature, 'raw_tracepoint:bpfkit_no_such_tracepoint');
        assert.match(e.message, /raw tracepoint bpfkit_no_such_tracepoint does not exist/);
        return true;
      },
    );
  });
});

test('kprobe and kretprobe without CONFIG_KPROBES: NotSupportedError naming the hook', async (t) => {
  if (kprobeSupport().available) return t.skip('this kernel has kprobes');
  for (const [name, kind] of [
    ['hk_kprobe', 'kprobe'],
    ['hk_kretprobe', 'kretprobe'],
  ] as const) {
    await withObject(openOnly([name]), (obj) => {
      obj.load(); // a kprobe program loads; only the hook is missing
      assert.throws(
        () => obj.attachAll(),
        (e: unknown) => {
          assert.ok(e instanceof NotSupportedError, String(e));
          assert.equal(e.feature, 'CONFIG_KPROBES');
          assert.equal(
            e.message,
            `program '${name}' needs a ${kind} hook (do_sys_openat2), but this kernel has no kprobes (CONFIG_KPROBES is off)`,
          );
          return true;
        },
      );
    });
  }
});

test('fentry, fexit and lsm: attach where the kernel allows them, else NotSupportedError naming the hook', async (t) => {
  for (const [name, kind, section] of [
    ['hk_fentry', 'fentry', 'fentry/do_sys_openat2'],
    ['hk_fexit', 'fexit', 'fexit/do_sys_openat2'],
    ['hk_lsm_open', 'lsm', 'lsm/file_open'],
  ] as const) {
    await withObject(openOnly([name]), (obj) => {
      let refused: unknown;
      try {
        obj.load();
      } catch (e) {
        refused = e;
      }
      if (refused === undefined) {
        assert.equal(obj.attachAll().length, 1, `${kind} attaches on this kernel`);
        t.diagnostic(`${kind} works on this kernel`);
        return;
      }
      // This VM: the kernel refuses BPF trampolines at load time (EPERM, no verifier log).
      assert.ok(refused instanceof NotSupportedError, String(refused));
      assert.equal(refused.feature, `BPF trampolines (${kind})`);
      assert.match(
        refused.message,
        new RegExp(
          `^program '${name}' needs ${kind === 'lsm' ? 'an' : 'a'} ${kind} hook \\(${section}\\), which this kernel refuses \\(EPERM .*\\): BPF trampolines are unavailable`,
        ),
      );
    });
  }
});

test('bpfkit run on a kprobe object: one error line naming kprobe and CONFIG_KPROBES, exit 1', async (t) => {
  if (kprobeSupport().available) return t.skip('this kernel has kprobes');
  const obj = await compileBpf(fixture('hooks-kprobe.bpf.c'), 'hooks-kprobe');
  const r = await runCli(['run', obj, '--duration', '1']);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(
    r.stderr,
    "bpfkit: program 'hk_cli_kprobe' needs a kprobe hook (do_sys_openat2), but this kernel has no kprobes (CONFIG_KPROBES is off)\n",
  );
  assert.equal(r.stdout, '');
});
