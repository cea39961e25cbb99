/**
 * The examples run as their usage lines say (`node --import tsx examples/<x>.ts`, 'bpfkit' being
 * this package's build) against the real kernel while the test triggers them: the file the test
 * opens is in the top list, the exec it makes is a line of the audit log (rotated with a small
 * --max-bytes), the system calls it makes fill the histogram. They end by themselves at --duration,
 * and within a second of SIGTERM. They also type-check against src/ (examples/tsconfig.json).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/bpf.js';
import { testEnv } from '../build/helpers.js';

const SCRATCH = mkdtempSync(join(tmpdir(), 'bpfkit-examples-test-'));
process.on('exit', () => rmSync(SCRATCH, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from SIGTERM to exit, when the test sent one. */
  stopMs?: number;
}

/**
 * Runs an example, calling `trigger` every 200 ms once its output matches `ready`; with `stopAt`,
 * sends SIGTERM once the output matches that. Fails after 60 s (the build included).
 */
function runExample(
  name: string,
  args: string[],
  ready: RegExp,
  trigger: () => void,
  stopAt?: RegExp,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `examples/${name}.ts`, ...args], {
      cwd: ROOT,
      env: testEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    let termAt: number | undefined;
    const seen = (): void => {
      const all = stdout + stderr;
      if (!timer && ready.test(all)) timer = setInterval(trigger, 200);
      if (stopAt && termAt === undefined && stopAt.test(all)) {
        termAt = Date.now();
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', (d: Buffer) => ((stdout += d.toString()), seen()));
    child.stderr.on('data', (d: Buffer) => ((stderr += d.toString()), seen()));
    const kill = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not end:\n${stdout}\n${stderr}`));
    }, 60_000);
    child.on('close', (code) => {
      clearInterval(timer);
      clearTimeout(kill);
      resolve({ code, stdout, stderr, stopMs: termAt === undefined ? undefined : Date.now() - termAt });
    });
  });
}

/** A copy of `from` under a name of ours, so its exec and comm are recognisable. */
function program(from: string, name: string): string {
  const p = join(SCRATCH, name);
  copyFileSync(from, p);
  execFileSync('chmod', ['755', p]);
  return p;
}

test('the examples type-check against src/', () => {
  const r = spawnSync('npx', ['tsc', '-p', join(ROOT, 'examples/tsconfig.json')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(r.stdout + r.stderr, '');
  assert.equal(r.status, 0);
});

test('top-files: the file this test opens is in the top list; SIGTERM ends it within a second', async () => {
  const marker = join(SCRATCH, 'top-files-marker');
  writeFileSync(marker, 'x');
  const line = new RegExp(`^ *\\d+ ${marker}$`, 'm');
  const r = await runExample(
    'top-files',
    [],
    /OPENS PATH/,
    () => {
      for (let i = 0; i < 100; i++) readFileSync(marker);
    },
    line,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stopMs !== undefined && r.stopMs < 1000, `${r.stopMs} ms after SIGTERM`);
  // Not a terminal: plain blocks, a time and a header each, no escape sequences.
  assert.ok(!r.stdout.includes('\x1b['), 'escape sequences in piped output');
  assert.match(r.stdout, /^\d\d:\d\d:\d\d {2}top 10 of \d+ paths opened\n OPENS PATH$/m);
  const count = Number(line.exec(r.stdout)![0].trim().split(' ')[0]);
  assert.ok(count >= 100, r.stdout);
});

test('exec-audit: the exec is a JSON line with its arguments, and the log rotates', async () => {
  const exe = program('/bin/true', 'audit-marker');
  const log = join(SCRATCH, 'audit.log');
  const r = await runExample(
    'exec-audit',
    ['--output', log, '--max-bytes', '2000', '--keep', '2', '--duration', '4'],
    /writing to/,
    () => {
      for (let i = 0; i < 3; i++) spawnSync(exe, ['first arg', '--flag']);
    },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(`${log}.1`) && existsSync(`${log}.2`), 'rotated files');
  assert.ok(!existsSync(`${log}.3`), 'only --keep 2 rotated files');
  const lines = [log, `${log}.1`, `${log}.2`].flatMap((f) =>
    readFileSync(f, 'utf8').split('\n').filter(Boolean),
  );
  for (const f of [`${log}.1`, `${log}.2`])
    assert.ok(readFileSync(f).length <= 2000, `${f} is over --max-bytes`);
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const mine = records.find((x) => x.filename === exe);
  assert.ok(mine, `no exec of ${exe} in ${lines.length} lines`);
  assert.deepEqual(Object.keys(mine), ['time', 'pid', 'ppid', 'uid', 'comm', 'filename', 'args']);
  assert.equal(mine.ppid, process.pid);
  assert.equal(mine.uid, process.getuid!());
  assert.equal(mine.comm, 'audit-marker');
  assert.deepEqual(mine.args, [exe, 'first arg', '--flag']);
});

test('syscall-latency: a histogram with this process’s system calls every second', async () => {
  const file = join(SCRATCH, 'latency');
  writeFileSync(file, 'x');
  const r = await runExample(
    'syscall-latency',
    ['--pid', String(process.pid), '--duration', '3'],
    /./,
    () => {
      for (let i = 0; i < 50; i++) readFileSync(file);
    },
  );
  assert.equal(r.code, 0, r.stderr);
  const prints = r.stdout.split('\n\n').filter((b) => b.includes('nsecs'));
  assert.ok(prints.length >= 2, r.stdout);
  const calls = prints.map((b) => Number(/ (\d+) system calls/.exec(b)![1]));
  assert.ok(Math.max(...calls) >= 150, r.stdout); // 50 reads are at least 150 calls (open, read, close)
  const rows = [...r.stdout.matchAll(/^ +(\d+) -> (\d+) +: (\d+) +\|(\**) *\|$/gm)];
  assert.ok(
    rows.some((m) => Number(m[3]) > 0 && m[4].length > 0),
    r.stdout,
  );
});
