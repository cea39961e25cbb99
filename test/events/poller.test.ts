/**
 * A poller never keeps the process alive once it is asked to end: a consumer closed while idle, an
 * event-driven poller (its watch on the event loop), a poller on its busy timer, one that always
 * drains on a timer (watching for a ring to fill up meanwhile) and a worker thread blocked in a
 * reader's poll() each let the process exit within 1 s of process.exit() and of SIGTERM (through the
 * application's own SIGTERM handler calling process.exit: the library installs none). Real ring
 * buffer, epoll and event loop, in a child process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers/bpf.js';
import { FIXTURES, compileBpf, tempDir } from '../fixtures/readers/harness.js';

const tmp = tempDir('bpfkit-poller-exit-');
const objPath = compileBpf(join(FIXTURES, 'ringbuf.bpf.c'), tmp.dir);
const CHILD = join(ROOT, 'test/fixtures/events/exit-child.ts');

/** Starts the child in `mode`, ends it with `how` once ready; resolves with the exit and its delay. */
async function endChild(
  mode: string,
  how: 'exit' | 'SIGTERM',
): Promise<{ code: number | string; ms: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, objPath, mode], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | string>((res) =>
    child.on('exit', (code, sig) => res(code ?? sig ?? -1)),
  );
  await new Promise<void>((res, rej) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && res());
    void exited.then((c) => rej(new Error(`child exited with ${c} before it was ready`)));
  });
  const t0 = performance.now();
  if (how === 'exit') child.stdin.write('exit\n');
  else child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
  const code = await exited;
  clearTimeout(killer);
  return { code, ms: performance.now() - t0 };
}

for (const mode of ['closed', 'event', 'timer', 'timer-only', 'worker-poll']) {
  test(`${mode}: process.exit() and SIGTERM end the process within 1 s`, async (t) => {
    const byExit = await endChild(mode, 'exit');
    assert.equal(byExit.code, 0);
    assert.ok(byExit.ms < 1000, `process.exit() took ${byExit.ms.toFixed(0)} ms`);
    const bySignal = await endChild(mode, 'SIGTERM');
    assert.equal(bySignal.code, 143);
    assert.ok(bySignal.ms < 1000, `SIGTERM took ${bySignal.ms.toFixed(0)} ms`);
    t.diagnostic(`process.exit ${byExit.ms.toFixed(0)} ms, SIGTERM ${bySignal.ms.toFixed(0)} ms`);
  });
}

test.after(() => tmp.cleanup());
