// The cached vmlinux.h and its precompiled form are used only when nobody but this user can have
// written them: both end up in programs loaded as root (no kernel needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findClang } from '../../src/build/clang.js';
import { bpfkitVersion } from '../../src/build/index.js';
import { ensurePch, ensureVmlinuxHeader, pchPath } from '../../src/build/vmlinux.js';
import { PermissionError } from '../../src/errors/index.js';

test('a vmlinux.h or PCH others could have written is refused, and one only this user owns is used', async () => {
  const cache = mkdtempSync(join(tmpdir(), 'bpfkit-vmlinux-'));
  try {
    const env = { ...process.env, XDG_CACHE_HOME: cache };
    const vm = await ensureVmlinuxHeader({ version: bpfkitVersion(), env });
    assert.equal(vm.generated, true);
    const again = await ensureVmlinuxHeader({ version: bpfkitVersion(), env });
    assert.equal(again.generated, false, 'the private cache is used');

    chmodSync(vm.dir, 0o777);
    await assert.rejects(ensureVmlinuxHeader({ version: bpfkitVersion(), env }), PermissionError);
    chmodSync(vm.dir, 0o755);
    chmodSync(vm.header, 0o666);
    await assert.rejects(
      ensureVmlinuxHeader({ version: bpfkitVersion(), env }),
      (e: unknown) => e instanceof PermissionError && /chmod go-w/.test(e.message),
    );
    chmodSync(vm.header, 0o644);

    const clang = findClang();
    writeFileSync(pchPath(clang, vm), 'not a PCH', { mode: 0o666 });
    chmodSync(pchPath(clang, vm), 0o666);
    assert.equal(await ensurePch(clang, vm), undefined, 'a shared-writable PCH is not handed to clang');
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});
