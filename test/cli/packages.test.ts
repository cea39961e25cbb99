/**
 * Packages end to end through the built CLI on the real kernel (issue 3, must-show 1, 2, 4, 5):
 * `bpfkit build` of a tutorial-style bpf_printk program and of an opensnoop with an event header,
 * `bpfkit run` on the packages (options from doc comments, trace lines, decoded table and JSON
 * rows), a package copied away from its source with only node on PATH, and an eunomia package.json
 * written by the test around our own object. Needs root and `npm run build`.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { ObjectSpec } from '../../src/spec/object.js';
import { ROOT, compileBpf, leftLoaded, runCli, startCli, waitFor, type CliRun } from '../helpers/bpf.js';
import { testEnv } from '../build/helpers.js';

const TUTORIAL = join(ROOT, 'examples/tutorial-opensnoop/opensnoop.bpf.c');
const OPENSNOOP = join(ROOT, 'examples/opensnoop/opensnoop.bpf.c');
const OPENSNOOP_H = join(ROOT, 'examples/opensnoop/opensnoop.h');
const PROGS = ['tracepoint__syscalls__sys_enter_openat', 'tracepoint__syscalls__sys_exit_openat'];

after(async () => assert.deepEqual(await leftLoaded(PROGS), []));

/** A fresh temp dir, removed by the returned function. */
function tempDir(tag: string): [string, () => void] {
  const dir = mkdtempSync(join(tmpdir(), `bpfkit-pkg-${tag}-`));
  return [dir, () => rmSync(dir, { recursive: true, force: true })];
}

/** `bpfkit build <args>` through the CLI (vmlinux.h cached where the build tests cache it). */
async function build(args: string[]): Promise<void> {
  const r = await runCli(['build', ...args], { env: testEnv() });
  assert.equal(r.code, 0, r.stderr);
}

/**
 * A shell that opens files itself, under its own pid, forever: redirections of builtins are done by
 * the shell process (a `cat` would open under the pid of each new child). `true` rather than `:`
 * for a missing file: a failed redirection of a special builtin makes a non-interactive sh exit.
 */
function opener(opens: string[]): ChildProcess {
  const loop = `while :; do ${opens.join('; ')}; sleep 0.05; done`;
  return spawn('sh', ['-c', loop], { stdio: 'ignore' });
}

/** Complete lines of stdout. */
function lines(run: CliRun): string[] {
  const out = run.stdout();
  return out
    .slice(0, out.lastIndexOf('\n') + 1)
    .split('\n')
    .slice(0, -1);
}

/** The complete lines of stdout `pick` selects, once there are at least `n`. */
function linesWhen(run: CliRun, pick: (l: string) => boolean, n = 1): Promise<string[]> {
  return waitFor(() => {
    const got = lines(run).filter(pick);
    return got.length >= n ? got : undefined;
  });
}

/** Stops a run with Ctrl-C and checks it exits 0 with nothing left loaded. */
async function stop(run: CliRun, ...children: ChildProcess[]): Promise<void> {
  for (const c of children) c.kill();
  run.child.kill('SIGINT');
  assert.equal(await run.exited, 0, run.stderr());
  assert.deepEqual(await leftLoaded(PROGS), []);
}

test('tutorial opensnoop: build, --help shows @description, --pid_target filters the trace lines', async () => {
  const [dir, clean] = tempDir('tutorial');
  const target = opener([': < /etc/hostname']);
  const other = opener([': < /etc/hostname']);
  let run: CliRun | undefined;
  try {
    await build([TUTORIAL, '-o', dir]);
    const pkg = join(dir, 'opensnoop.bpfkit.json');
    const help = await runCli(['run', pkg, '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^\s+--pid_target <value>\s+Process ID to trace \(int, default 0\)$/m);
    assert.match(help.stdout, /^Trace openat\(2\) calls with bpf_printk\.$/m, 'the LICENSE @brief');

    run = startCli(['run', pkg, '--pid_target', String(target.pid)]);
    const trace = (l: string): boolean => l.includes('bpf_trace_printk:');
    await linesWhen(run, (l) => trace(l) && l.includes(`Process ID: ${target.pid} `), 5);
    // The trace_pipe format: "<comm>-<pid> [<cpu>] <flags> <secs>: bpf_trace_printk: <message>"
    for (const l of lines(run).filter(trace))
      assert.match(
        l,
        new RegExp(
          `^\\s*sh-${target.pid}\\s+\\[\\d+\\] \\S+\\s+\\d+\\.\\d+: bpf_trace_printk: Process ID: ${target.pid} enter sys openat$`,
        ),
      );
    // The other opener ran all along (as did the rest of the machine): none of its lines passed.
    assert.equal(other.exitCode, null);
    assert.ok(!new RegExp(`(-|Process ID: )${other.pid} `).test(run.stdout()));
  } finally {
    if (run) await stop(run, target, other);
    else for (const c of [target, other]) c.kill();
    clean();
  }
});

/**
 * The cells of `row` (no blanks inside values) under the names of `header`, checking the alignment:
 * a number ends under the last letter of its name, text starts under the first.
 */
function cells(header: string, row: string): Record<string, string> {
  const names = header.split(/\s+/);
  const values = row.split(/\s+/);
  assert.equal(values.length, names.length, row);
  const out: Record<string, string> = {};
  let h = 0;
  let r = 0;
  for (const [i, name] of names.entries()) {
    h = header.indexOf(name, h);
    r = row.indexOf(values[i], r);
    if (['TIME', 'COMM', 'FNAME'].includes(name)) assert.equal(r, h, `${name} column in ${row}`);
    else assert.equal(r + values[i].length, h + name.length, `${name} column in ${row}`);
    out[name] = values[i];
    h += name.length;
    r += values[i].length;
  }
  return out;
}

test('opensnoop with an event header: the table header is the struct, rows and --json decode', async () => {
  const [dir, clean] = tempDir('header');
  const made = join(dir, `made-${process.pid}`);
  const missing = join(dir, `missing-${process.pid}`);
  const child = opener([`: > ${made}`, `true < ${missing}`]);
  let run: CliRun | undefined;
  try {
    await build([OPENSNOOP, OPENSNOOP_H, '-o', dir]);
    const pkg = join(dir, 'opensnoop.bpfkit.json');
    run = startCli(['run', pkg]);
    await linesWhen(run, (l) => l.endsWith(` ${missing}`));
    await linesWhen(run, (l) => l.endsWith(` ${made}`));
    const [header, ...rows] = lines(run);
    assert.deepEqual(header.split(/\s+/), ['TIME', 'TS', 'PID', 'UID', 'RET', 'FLAGS', 'COMM', 'FNAME']);
    const row = (path: string): Record<string, string> =>
      cells(header, rows.find((r) => r.endsWith(` ${path}`)) ?? '');
    const ok = row(made);
    assert.match(ok.TIME, /^\d\d:\d\d:\d\d$/);
    assert.match(ok.TS, /^[1-9]\d*$/);
    assert.deepEqual(
      { pid: ok.PID, uid: ok.UID, flags: ok.FLAGS, comm: ok.COMM, fname: ok.FNAME },
      // O_WRONLY|O_CREAT|O_TRUNC, as sh opens for `>`.
      { pid: String(child.pid), uid: String(process.getuid!()), flags: '577', comm: 'sh', fname: made },
    );
    assert.ok(Number(ok.RET) >= 3, `an fd: ${ok.RET}`);
    const bad = row(missing);
    assert.deepEqual([bad.PID, bad.RET, bad.FLAGS, bad.COMM], [String(child.pid), '-2', '0', 'sh']);
    await stop(run);

    run = startCli(['run', pkg, '--json']);
    const [line] = await linesWhen(run, (l) => l.includes(JSON.stringify(made)));
    const e = JSON.parse(line) as Record<string, unknown>;
    assert.deepEqual(Object.keys(e), ['ts', 'pid', 'uid', 'ret', 'flags', 'comm', 'fname']);
    assert.ok(Number(e.ts) > 0);
    assert.deepEqual(
      { ...e, ts: 0, ret: 0 },
      { ts: 0, pid: child.pid, uid: process.getuid!(), ret: 0, flags: 577, comm: 'sh', fname: made },
    );
  } finally {
    if (run) await stop(run, child);
    else child.kill();
    clean();
  }
});

test('a package copied to a fresh directory runs with only node on PATH (no source, headers, clang)', async () => {
  const [src, cleanSrc] = tempDir('built');
  const [away, cleanAway] = tempDir('copied');
  const path = join(away, `opened-${process.pid}`);
  const child = opener([`: > ${path}`]);
  let run: CliRun | undefined;
  try {
    await build([OPENSNOOP, OPENSNOOP_H, '-o', src]);
    copyFileSync(join(src, 'opensnoop.bpfkit.json'), join(away, 'opensnoop.bpfkit.json'));
    cleanSrc();
    const bin = join(away, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    const env = { PATH: bin, HOME: away, XDG_CACHE_HOME: join(away, 'cache') };
    run = startCli(['run', 'opensnoop.bpfkit.json', '--json', '--pid_target', String(child.pid)], {
      env,
      cwd: away,
    });
    for (const l of await linesWhen(run, () => true, 3)) {
      const e = JSON.parse(l) as { pid: number; comm: string; fname: string; flags: number };
      assert.deepEqual([e.pid, e.comm, e.fname, e.flags], [child.pid, 'sh', path, 577]);
    }
  } finally {
    if (run) await stop(run, child);
    else child.kill();
    cleanSrc();
    cleanAway();
  }
});

/** An eunomia-bpf package.json around `object`, as ecc would write it for examples/opensnoop. */
function eunomiaPackage(object: Uint8Array): string {
  const spec = new ObjectSpec(object);
  const event = spec.struct('event');
  assert.ok(event && event.kind === 'struct' && spec.btf);
  const btf = spec.btf;
  const variable = (name: string, type: string, extra: Record<string, unknown> = {}): object => ({
    name,
    type,
    ...extra,
  });
  return JSON.stringify({
    bpf_object: deflateSync(object).toString('base64'),
    bpf_object_size: object.length,
    meta: {
      bpf_skel: {
        obj_name: 'opensnoop_bpf',
        data_sections: [
          {
            name: '.rodata',
            variables: [
              variable('pid_target', 'pid_t', {
                description: 'Process ID to trace',
                cmdarg: { short: 'p', long: 'pid' },
              }),
              variable('tid_target', 'pid_t', { description: 'Thread ID to trace' }),
              variable('uid_target', 'uid_t', { description: 'User ID to trace' }),
              variable('failed_only', 'bool', {
                description: 'trace only failed events',
                cmdarg: { default: false, long: 'failed' },
              }),
            ],
          },
        ],
        maps: [
          { name: 'start', ident: 'start' },
          { name: 'events', ident: 'events' },
          { name: 'opensnoo.rodata', ident: 'rodata', mmaped: true },
        ],
        progs: PROGS.map((name) => ({
          name,
          attach: `tracepoint/syscalls/${name.replace('tracepoint__syscalls__', '')}`,
          link: true,
        })),
        doc: { description: 'Trace open family syscalls.' },
      },
      export_types: [
        {
          name: 'event',
          members: event.members.map((m) => ({ name: m.name, type: btf.typeName(m.type) })),
          size: event.size,
          type_id: event.id,
        },
      ],
      eunomia_version: '0.3.4',
    },
  });
}

test('a hand-written eunomia package.json of our ring-buffer opensnoop runs (-p, --enable-failed)', async () => {
  const [dir, clean] = tempDir('eunomia');
  const made = join(dir, `made-${process.pid}`);
  const missing = join(dir, `missing-${process.pid}`);
  const child = opener([`: > ${made}`, `true < ${missing}`]);
  let run: CliRun | undefined;
  try {
    const object = await compileBpf(OPENSNOOP, 'opensnoop-eunomia', ['USE_RINGBUF']);
    const pkg = join(dir, 'package.json');
    writeFileSync(pkg, eunomiaPackage(new Uint8Array(readFileSync(object))));

    const help = await runCli(['run', pkg, '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Trace open family syscalls\.$/m);
    assert.match(help.stdout, /^\s+-p, --pid <value>\s+Process ID to trace \(pid_t, default 0\)$/m);
    assert.match(help.stdout, /^\s+--failed\s+trace only failed events \(bool, default false\)$/m);

    run = startCli(['run', pkg, '-p', String(child.pid), '--json']);
    await linesWhen(run, (l) => l.includes(JSON.stringify(missing)), 2);
    await linesWhen(run, (l) => l.includes(JSON.stringify(made)), 2);
    for (const l of lines(run)) {
      const e = JSON.parse(l) as { pid: number; comm: string; fname: string; ret: number };
      assert.equal(e.pid, child.pid, l);
      assert.equal(e.comm, 'sh');
      assert.ok(e.fname === made ? e.ret >= 3 : e.fname === missing && e.ret === -2, l);
    }
    await stop(run);

    // ecli's spelling of a bool that defaults to false: only the failed opens remain.
    run = startCli(['run', pkg, '--pid', String(child.pid), '--enable-failed', '--json']);
    await linesWhen(run, (l) => l.includes(JSON.stringify(missing)), 3);
    for (const l of lines(run)) {
      const e = JSON.parse(l) as { pid: number; fname: string; ret: number };
      assert.deepEqual([e.pid, e.fname, e.ret], [child.pid, missing, -2], l);
    }
  } finally {
    if (run) await stop(run, child);
    else child.kill();
    clean();
  }
});
