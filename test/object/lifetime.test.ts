/**
 * The caller owns the process: a library user's own SIGTERM handler runs and decides when to close
 * and exit; bpfkit neither exits nor unloads behind its back, and close() alone releases every
 * program, map and link the object made.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { ROOT, compileBpf, fixture } from '../helpers/bpf.js';
import { alive, heldIds, stillLoaded, type HeldIds } from '../helpers/held.js';

/** An agent: loads and attaches, reports its ids, and on SIGTERM says so, waits, closes, waits. */
function agentScript(object: string): string {
  return `
    import { readFileSync } from 'node:fs';
    import { load, ObjectSpec } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};
    const obj = await load(new ObjectSpec(readFileSync(${JSON.stringify(object)})), { name: 'lifetime' });
    obj.attachAll();
    process.on('SIGTERM', () => {
      console.log('sigterm ' + obj.programs.filter((p) => p.fd >= 0).length);
      setTimeout(() => {
        obj.close();
        console.log('closed');
        setTimeout(() => { console.log('bye'); process.exit(0); }, 500);
      }, 300);
    });
    console.log('ready ' + obj.programs.filter((p) => p.fd >= 0).map((p) => p.id).join(','));
    setInterval(() => {}, 1000);`;
}

test('a library user handles SIGTERM itself; after close() nothing of its object is loaded', async () => {
  const object = await compileBpf(fixture('build/opensnoop.bpf.c'), 'lifetime-opensnoop');
  const child = spawn(process.execPath, ['--input-type=module', '-e', agentScript(object)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => (await lines.next()).value as string;
  try {
    const ready = await next();
    assert.match(ready, /^ready \d+(,\d+)*$/);
    const ids = ready.slice(6).split(',').map(Number);
    const held: HeldIds = heldIds(child.pid!);
    assert.deepEqual([...held.progs].sort(), [...ids].sort(), 'the ids it reports are the ones it holds');
    assert.ok(held.maps.length > 0 && held.links.length > 0);

    child.kill('SIGTERM');
    // Its handler ran, with the object still loaded: bpfkit closed nothing on the signal.
    assert.equal(await next(), `sigterm ${ids.length}`);
    assert.deepEqual(
      await stillLoaded({ ...held, maps: [], links: [] }, 0),
      ids.map((id) => `prog ${id}`),
    );
    assert.equal(await next(), 'closed');
    // Still running (it exits 500 ms later, by its own choice), and already nothing of ours is left.
    assert.ok(alive(child.pid!), 'bpfkit did not end the process');
    assert.deepEqual(await stillLoaded(held), []);
    assert.equal(await next(), 'bye');
  } finally {
    child.kill('SIGKILL');
  }
});
