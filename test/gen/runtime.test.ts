/**
 * Generated bindings on the real kernel: load with typed globals, attach, trigger, and receive
 * records whose shape is exactly the generated type (checked by the TypeScript compiler's view of
 * the module); typed maps, programs and global values; `await using`; nothing left loaded.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readGenInput } from '../../src/gen/input.js';
import type { GeneratedObject, GeneratedProgram, TypedMap } from '../../src/gen/runtime.js';
import { BadValueError } from '../../src/errors/index.js';
import { progInfo } from '../../src/sys/objinfo.js';
import { fdById, closeFd } from '../../src/sys/bpf.js';
import { testEnv } from '../build/helpers.js';
import { ROOT, fixture, waitFor } from '../helpers/bpf.js';
import { GEN_DIR, GeneratedTypes, writeModule } from './helpers.js';

type Rec = Record<string, unknown>;
/** What a generated module looks like to a test that cannot import its types statically. */
type Loaded = GeneratedObject<{
  globals: Rec;
  event: Rec;
  maps: Record<string, TypedMap<unknown, unknown>>;
  programs: Record<string, GeneratedProgram>;
  streams: Record<string, AsyncIterable<Rec>>;
}>;
interface Bindings {
  load(globals?: object, options?: object): Promise<Loaded>;
}

const DIR = join(GEN_DIR, 'kernel');

/** Generates bindings for `source` into DIR/<name>.ts and imports them. */
async function bindings(
  source: string,
  name: string,
  cflags?: string[],
): Promise<{ mod: Bindings; types: GeneratedTypes }> {
  const path = join(DIR, `${name}.ts`);
  writeModule(path, await readGenInput(source, { cflags, env: testEnv() }));
  return { mod: (await import(pathToFileURL(path).href)) as Bindings, types: new GeneratedTypes(path) };
}

/** Kernel ids of the object's programs (to check they are gone after close). */
function programIds(obj: Loaded): number[] {
  return Object.values(obj.programs).map((p) => progInfo(p.fd).id);
}

/** Waits until none of `ids` is loaded (tracepoint programs go a moment after their last fd). */
async function gone(ids: number[]): Promise<void> {
  await waitFor(
    () =>
      ids.every((id) => {
        const fd = fdById('prog', id);
        if (fd !== undefined) closeFd(fd);
        return fd === undefined;
      }) || undefined,
    () => {},
    3000,
    20,
  );
}

/** The first record of `stream`, calling `poke` until it comes. */
async function first(stream: AsyncIterable<Rec>, poke: () => void): Promise<Rec> {
  const timer = setInterval(poke, 50);
  try {
    for await (const r of stream) return r;
    throw new Error('the stream ended');
  } finally {
    clearInterval(timer);
  }
}

const OPENSNOOP = join(ROOT, 'examples/opensnoop/opensnoop.bpf.c');

for (const [variant, cflags] of [
  ['ring buffer', ['-DUSE_RINGBUF']],
  ['perf event array', []],
] as const) {
  test(`opensnoop bindings (${variant}): a typed open event of the traced process`, async () => {
    const { mod, types } = await bindings(OPENSNOOP, `opensnoop_${cflags.length ? 'rb' : 'perf'}`, [
      ...cflags,
    ]);
    assert.deepEqual(types.diagnostics(), []);
    const opener = spawn('sh', ['-c', 'while :; do : < /etc/hostname; sleep 0.05; done'], {
      stdio: 'ignore',
    });
    let obj: Loaded | undefined;
    try {
      obj = await mod.load({ pid_target: opener.pid });
      const ids = programIds(obj);
      assert.equal(ids.length, 2);
      assert.equal(obj.globals.pid_target, opener.pid);
      const ev = await first(obj.events, () => {});
      assert.equal(ev.pid, opener.pid);
      assert.equal(ev.fname, '/etc/hostname');
      assert.equal(ev.comm, 'sh');
      assert.equal(typeof ev.ts, 'bigint');
      assert.deepEqual(types.mismatches(types.type('Event'), ev), []);
      assert.deepEqual(Object.keys(ev), types.keys(types.type('Event')));
      await obj.close();
      assert.equal(obj.programs.tracepoint__syscalls__sys_enter_openat.fd, -1);
      await gone(ids);
    } finally {
      opener.kill();
      await obj?.close();
    }
  });
}

let kinds: { mod: Bindings; types: GeneratedTypes };
before(async () => {
  kinds = await bindings(fixture('gen/kinds.bpf.c'), 'kinds');
});

test('every kind of type decodes as generated: events of both maps, maps, globals', async () => {
  const { mod, types } = kinds;
  const comm = readFileSync('/proc/self/comm', 'utf8').trim();
  let ids: number[];
  {
    // An enum alias as the value: decoding names it by its first enumerator.
    await using obj = await mod.load({ target_pid: process.pid, start_state: 'ST_RUNNING' });
    ids = programIds(obj);
    const poke = (): void => void process.ppid; // a getppid(2) each time
    const [ev, exit] = await Promise.all([first(obj.events, poke), first(obj.streams.exits, poke)]);
    assert.deepEqual(types.mismatches(types.type('Event'), ev), []);
    assert.deepEqual(ev, {
      u8v: 200,
      s8v: -100,
      u16v: 60000,
      s32v: -5,
      u64v: 18446744073709551615n,
      s64v: -1n,
      wide: (1n << 64n) | 2n,
      on: true,
      f: 0,
      d: 0,
      comm,
      bytes: 'hi',
      vals: [1, -2, 3],
      bigs: [0n, 5n],
      ptr: 0x1234n,
      state: 'ST_RUN',
      states: ['ST_DEAD', 9],
      a: 5,
      b: 17,
      flag: 1,
      pt: { x: 1, y: -2 },
      pts: [
        { x: 0, y: 0 },
        { x: 3, y: 0 },
      ],
      u: 2 ** 32 - 7,
      i: -7,
      half: { lo: 1, hi: 2 },
      sz: { w: 640, h: 480 },
    });
    assert.deepEqual(types.mismatches(types.type('ExitEv'), exit), []);
    assert.deepEqual(exit, { code: 42, why: 'done' });

    const entries = [...obj.maps.seen.entries()];
    assert.deepEqual(entries[0], [
      { pid: process.pid, comm },
      { g: { x: 7 }, fb: { a: 8 }, fb2: { b: 9n } },
    ]);
    for (const [k, v] of entries) {
      assert.deepEqual(types.mismatches(types.type('Key'), k), []);
      assert.deepEqual(types.mismatches(types.type('Value'), v), []);
    }
    obj.maps.seen.update({ pid: 1, comm: 'x' }, { fb2: { b: 3n } });
    assert.deepEqual(obj.maps.seen.lookup({ pid: 1, comm: 'x' }), {
      g: { x: 0 },
      fb: { a: 0 },
      fb2: { b: 3n },
    });
    const perCpu = obj.maps.counts.lookup(0) as bigint[];
    assert.ok(Array.isArray(perCpu) && perCpu.reduce((a, b) => a + b, 0n) >= 1n);

    const globals = types.type('GlobalValues');
    assert.deepEqual(types.mismatches(globals, obj.globals), []);
    assert.equal(obj.globals.start_state, 'ST_RUN');
    assert.deepEqual(obj.globals.cfg, { level: -1, mask: 255n, bit: 1, name: 'cfg' });
    assert.ok(obj.programs.on_getppid.fd > 0);
  }
  // Leaving the block disposed of the object.
  await gone(ids);
});

test('bad globals from untyped callers: a one-line BadValueError before anything is loaded', async () => {
  await assert.rejects(kinds.mod.load({ target_pid: -1 }), (e: Error) => {
    assert.ok(e instanceof BadValueError);
    assert.match(e.message, /^target_pid: -1 is out of range/);
    return true;
  });
  await assert.rejects(kinds.mod.load({ target_pdi: 1 }), /no global 'target_pdi' \(globals: .*target_pid/);
});

test('a closed object refuses its maps and streams', async () => {
  const obj = await kinds.mod.load({}, { attach: false });
  const ids = programIds(obj);
  obj[Symbol.dispose]();
  assert.throws(() => obj.maps.seen.lookup({ pid: 1 }), /map seen: the object kinds is closed/);
  assert.throws(() => obj.events[Symbol.asyncIterator](), /the object is closed/);
  await obj.close(); // idempotent
  await gone(ids);
});
