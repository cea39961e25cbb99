/**
 * `bpfkit oomkill` on the real kernel: a python child in a cgroup limited to 32 MiB allocates
 * until the OOM killer kills it, and the line (and --json) names it as trigger and victim. Needs
 * root and `npm run build`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/bpf.js';
import { child, lines, linesWhen, objectsWhen, withTool, type ToolRun } from './helpers.js';
import { memoryCgroup } from './memcg.js';

const HOG = 'import sys\nsys.stdin.readline()\nb = []\nwhile True: b.append(bytearray(1 << 20))';

/** Runs a memory hog in a 32 MiB cgroup until it is killed; returns its pid. */
async function oom(): Promise<number> {
  const cg = memoryCgroup(`bpfkit-oomkill-${process.pid}-${Date.now()}`, 32 << 20);
  const hog = child('python3', ['-c', HOG], { stdin: true });
  try {
    cg.add(hog.pid!);
    hog.stdin!.end('go\n');
    assert.equal(await hog.done, 'SIGKILL');
  } finally {
    hog.kill('SIGKILL');
    await hog.done;
    cg.remove();
  }
  return hog.pid!;
}

test('a child OOM-killed in a memory-limited cgroup: banner, then one line', async () => {
  await withTool(['oomkill'], async (run: ToolRun) => {
    assert.equal(lines(run)[0], 'Tracing OOM kills... Ctrl-C to stop.');
    const pid = await oom();
    const [l] = await linesWhen(run, (x) => x.includes(`OOM kill of PID ${pid} `));
    assert.match(
      l,
      new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d Triggered by PID ${pid} \\("python3"\\), OOM kill of PID ${pid} \\("python3"\\), \\d+ pages, loadavg: \\d+\\.\\d\\d \\d+\\.\\d\\d \\d+\\.\\d\\d \\d+/\\d+ \\d+$`,
      ),
    );
    const pages = Number(/(\d+) pages/.exec(l)![1]);
    assert.ok(pages > (32 << 20) / 4096, `victim's total_vm ${pages} pages`);
  });
});

test('--json: trigger and victim', async () => {
  await withTool(['oomkill', '--json'], async (run) => {
    const pid = await oom();
    const [o] = await objectsWhen(run, (x) => x.victim_pid === pid);
    assert.deepEqual(Object.keys(o), [
      'time',
      'trigger_pid',
      'trigger_comm',
      'victim_pid',
      'victim_comm',
      'victim_uid',
      'victim_total_vm_pages',
      'loadavg',
    ]);
    assert.deepEqual(
      [o.trigger_pid, o.trigger_comm, o.victim_comm, o.victim_uid],
      [pid, 'python3', 'python3', 0],
    );
  });
});

test('an unknown option: usage error, exit 64', async () => {
  const bad = await runCli(['oomkill', '-x']);
  assert.equal(bad.code, 64);
  assert.match(bad.stderr, /invalid option -- 'x'/);
});
