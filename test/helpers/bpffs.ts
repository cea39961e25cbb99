/**
 * A private directory on bpffs for pins. A fresh machine may not have bpffs mounted at /sys/fs/bpf
 * (the directory is then sysfs's, where mkdir fails with ENOENT and Node's recursive mkdir never
 * returns), so it is mounted first, the way bpfkit does it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { ensureMounts, mountPoints } from '../../src/sys/mounts.js';

/** Creates `/sys/fs/bpf/<prefix>XXXXXX` after making sure bpffs is mounted there (needs root). */
export function bpffsTempDir(prefix: string): string {
  ensureMounts();
  assert.ok(mountPoints('bpf').includes('/sys/fs/bpf'), 'bpffs is not mounted at /sys/fs/bpf');
  return mkdtempSync(`/sys/fs/bpf/${prefix}`);
}
