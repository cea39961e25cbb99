/**
 * `bpfkit mountsnoop` on the real kernel: a child shell mounts a tmpfs on a temporary directory,
 * unmounts it and fails a bind mount, and a python child does the same through the new mount API;
 * the rows (table, -t, -d, --json) carry the caller, its mount namespace, source, target, fs type,
 * flags, data and result. Needs root and `npm run build`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, runCli } from '../helpers/bpf.js';
import { child, fields, lines, linesWhen, objectsWhen, withTool } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'bpfkit-mountsnoop-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const mntNs = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/mnt'))![1];

/** mount(8) of a tmpfs on `dir`, umount(8) of it, and a bind mount of a missing directory. */
async function mounts(): Promise<void> {
  const sh = child('sh', [
    '-c',
    `mount -t tmpfs -o size=1m,mode=700 bpfkit-src ${dir} && umount ${dir}; mount --bind ${dir}/nonexistent ${dir} 2>/dev/null; true`,
  ]);
  assert.equal(await sh.done, 0);
}

const mine = (l: string): boolean => l.includes(`"${dir}"`);

test('table and -t: mount, umount and a failed bind mount of a child', async () => {
  await withTool(['mountsnoop', '-t'], async (run) => {
    assert.equal(lines(run)[0], 'TIME     COMM             PID     TID     MNT_NS      CALL');
    await mounts();
    const rows = (await linesWhen(run, mine, 3)).map((l) => fields(l, 6));
    for (const [time, , pid, tid, ns] of rows) {
      assert.match(time, /^\d\d:\d\d:\d\d$/);
      assert.equal(pid, tid);
      assert.equal(ns, mntNs);
    }
    assert.deepEqual(
      rows.map((r) => [r[1], r[5]]),
      [
        ['mount', `mount("bpfkit-src", "${dir}", "tmpfs", 0x0, "size=1m,mode=700") = 0`],
        ['umount', `umount("${dir}", 0x0) = 0`],
        ['mount', `mount("${dir}/nonexistent", "${dir}", "none", MS_BIND, "") = -ENOENT`],
      ],
    );
  });
});

test('-d: one block per call, no header', async () => {
  await withTool(
    ['mountsnoop', '-d'],
    async (run) => {
      await mounts();
      await linesWhen(run, (l) => l === `TARGET: ${dir}`, 3);
      const out = run.stdout();
      const block = out.slice(out.lastIndexOf('PID:', out.indexOf('SOURCE: bpfkit-src')));
      const [pid] = /^PID: +(\d+)$/m.exec(block)!.slice(1);
      assert.equal(
        block.slice(0, block.indexOf('\n\n') + 2).replace(/^LAT: +\d+us$/m, 'LAT:    Nus'),
        [
          `PID:    ${pid}`,
          `TID:    ${pid}`,
          'COMM:   mount',
          'OP:     MOUNT',
          'RET:    0',
          'LAT:    Nus',
          `MNT_NS: ${mntNs}`,
          'FS:     tmpfs',
          'SOURCE: bpfkit-src',
          `TARGET: ${dir}`,
          'DATA:   size=1m,mode=700',
          'FLAGS:  0x0',
          '',
          '',
        ].join('\n'),
      );
      assert.doesNotMatch(out, /CALL/);
    },
    { headerless: true },
  );
});

test('-p --json: the new mount API (fsopen, fsconfig, fsmount, move_mount) and umount2 flags', async () => {
  const py = child('python3', [fixture('tools/newmount.py'), dir], { stdin: true });
  await withTool(['mountsnoop', '--json', '-p', String(py.pid)], async (run) => {
    py.stdin!.end('go\n');
    assert.equal(await py.done, 0);
    const got = await objectsWhen(run, () => true, 6);
    assert.ok(got.every((o) => o.pid === py.pid && o.comm === 'python3' && String(o.mnt_ns) === mntNs));
    assert.deepEqual(Object.keys(got[0]), [
      'time',
      'pid',
      'tid',
      'comm',
      'mnt_ns',
      'op',
      'ret',
      'ret_name',
      'latency_us',
      'call',
      'args',
    ]);
    const fs = Number(got[0].ret);
    const mnt = Number(got[3].ret);
    assert.deepEqual(
      got.map((o) => o.call),
      [
        `fsopen("tmpfs", FSOPEN_CLOEXEC) = ${fs}`,
        `fsconfig(${fs}, "FSCONFIG_SET_STRING", "size", "1m", 0) = 0`,
        `fsconfig(${fs}, "FSCONFIG_CMD_CREATE", "", "", 0) = 0`,
        `fsmount(${fs}, "FSMOUNT_CLOEXEC", "MOUNT_ATTR_NOEXEC") = ${mnt}`,
        `move_mount(${mnt}, "", AT_FDCWD, "${dir}", "MOVE_MOUNT_F_EMPTY_PATH") = 0`,
        `umount("${dir}", MNT_DETACH) = 0`,
      ],
    );
    assert.deepEqual(got[5].args, { target: dir, flags: 'MNT_DETACH' });
    assert.deepEqual(got[1].args, { fd: fs, cmd: 'FSCONFIG_SET_STRING', key: 'size', value: '1m', aux: 0 });
  });
});

test('usage errors exit 64 with libbpf-tools messages', async () => {
  const bad = await runCli(['mountsnoop', '-p', 'x']);
  assert.equal(bad.code, 64);
  assert.match(bad.stderr, /^Invalid PID: x\nUsage: bpfkit mountsnoop \[OPTION\.\.\.\]\n/);
});
