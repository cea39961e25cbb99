// loadTarget: bpfkit packages (also after being copied away from source and clang), eunomia
// package.json files built from our own object, raw objects, stdin, URLs, directories and errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { build, type BuildResult } from '../../src/build/index.js';
import { loadTarget } from '../../src/package/load.js';
import { ObjectSpec } from '../../src/spec/object.js';
import { scratch, testEnv, ROOT } from '../build/helpers.js';

let dir: string;
let built: BuildResult;
let server: Server;
let base: string;

before(async () => {
  dir = scratch();
  built = await build({ source: join(dir, 'opensnoop.bpf.c'), outDir: join(dir, 'pkg'), env: testEnv() });
  server = createServer((req, res) => {
    if (req.url === '/opensnoop.bpfkit.json') res.end(readFileSync(built.packagePath));
    else {
      res.statusCode = 404;
      res.end('no');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

after(() => server.close());

test('build → load gives the same object bytes and meta', async () => {
  const t = await loadTarget(built.packagePath);
  assert.equal(t.source, built.packagePath);
  assert.deepEqual(t.object, new Uint8Array(readFileSync(built.objectPath)));
  assert.deepEqual(t.meta, built.meta);
});

test('a copied package loads without the source, and without clang on PATH (nothing is spawned)', () => {
  const away = join(dir, 'elsewhere');
  mkdirSync(away);
  copyFileSync(built.packagePath, join(away, 'copy.bpfkit.json'));
  const script = join(away, 'load.mts');
  writeFileSync(
    script,
    `import { loadTarget } from ${JSON.stringify(join(ROOT, 'src/package/load.ts'))};\n` +
      `const t = await loadTarget('copy.bpfkit.json');\n` +
      `process.stdout.write(JSON.stringify({ size: t.object.length, meta: t.meta }));\n`,
  );
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), script], {
    cwd: away,
    env: { PATH: '/nonexistent', HOME: away },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as { size: number; meta: unknown };
  assert.equal(got.size, built.object.length);
  assert.deepEqual(got.meta, built.meta);
});

test('an eunomia package.json (zlib + base64) of the same object loads into the same shape', async () => {
  const spec = new ObjectSpec(built.object);
  const event = spec.struct('event');
  assert.ok(event);
  const pkg = {
    bpf_object: deflateSync(built.object).toString('base64'),
    bpf_object_size: built.object.length,
    meta: {
      bpf_skel: {
        obj_name: 'opensnoop_bpf',
        data_sections: [
          {
            name: '.rodata',
            variables: [
              { name: 'pid_target', type: 'int', description: 'Process ID to trace' },
              {
                name: 'uid_target',
                type: 'uid_t',
                description: 'User ID to trace',
                cmdarg: { short: 'u', long: 'uid' },
              },
              {
                name: 'targ_failed',
                type: 'bool',
                description: 'trace only failed events',
                cmdarg: { default: false, short: 'f', long: 'failed' },
              },
            ],
          },
          { name: '.bss', variables: [{ name: '__eunomia_dummy_event_ptr', type: 'struct event *' }] },
        ],
        maps: [
          { name: 'hists', ident: 'hists', sample: { interval: 1000, type: 'log2_hist', unit: 'usecs' } },
          { name: 'rb', ident: 'rb' },
          { name: 'events', ident: 'events' },
          { name: 'opensnoo.rodata', ident: 'rodata', mmaped: true },
        ],
        progs: [
          {
            name: 'tracepoint__syscalls__sys_enter_openat',
            attach: 'tracepoint/syscalls/sys_enter_openat',
            link: true,
          },
        ],
        doc: {
          description: 'Trace open family syscalls.',
          brief: 'opensnoop demo.',
          details: 'It traces open calls.',
          version: '0.1',
        },
      },
      export_types: [{ name: 'event', type_id: event.id, size: 20, members: [{ name: 'pid', type: 'int' }] }],
      eunomia_version: '0.3.4',
    },
  };
  const file = join(dir, 'package.json');
  writeFileSync(file, JSON.stringify(pkg));
  const t = await loadTarget(file);
  assert.deepEqual(Object.keys(t).sort(), ['meta', 'object', 'source']);
  assert.deepEqual(t.object, built.object);
  const m = t.meta;
  assert.ok(m);
  assert.equal(m.name, 'opensnoop');
  for (const k of ['description', 'brief', 'details', 'version'] as const) assert.equal(m[k], built.meta[k]);
  assert.deepEqual(
    m.programs.map((p) => [p.name, p.section, p.attach]),
    built.meta.programs.map((p) => [p.name, p.section, p.attach]),
  );
  assert.deepEqual(
    m.maps.find((x) => x.name === 'hists')?.sample,
    built.meta.maps.find((x) => x.name === 'hists')?.sample,
  );
  const g = Object.fromEntries(m.globals.map((x) => [x.name, x]));
  assert.deepEqual(Object.keys(g), ['pid_target', 'uid_target', 'targ_failed']);
  // ecli's rules: long defaults to the name, help to the description, then to "Set value of …".
  assert.deepEqual(g.pid_target.cmdarg, { long: 'pid_target', default: 0, help: 'Process ID to trace' });
  assert.deepEqual(g.uid_target.cmdarg, {
    long: 'uid',
    short: 'u',
    default: 4294967295,
    help: 'User ID to trace',
  });
  assert.deepEqual(g.targ_failed.cmdarg, {
    long: 'failed',
    short: 'f',
    default: false,
    help: 'trace only failed events',
  });
  assert.equal(m.exportTypes[0], 'event');
  assert.equal(m.maps.find((x) => x.name === 'events')?.exportType, 'event');
});

test('eunomia: help falls back to "Set value of `<type>` variable <name>"; size mismatch is refused', async () => {
  const pkg = {
    bpf_object: deflateSync(built.object).toString('base64'),
    bpf_object_size: built.object.length,
    meta: {
      bpf_skel: {
        obj_name: 'x_bpf',
        data_sections: [{ name: '.rodata', variables: [{ name: 'uid_target', type: 'uid_t' }] }],
        maps: null,
        progs: null,
      },
    },
  };
  const file = join(dir, 'p2.json');
  writeFileSync(file, JSON.stringify(pkg));
  const t = await loadTarget(file);
  assert.equal(
    t.meta?.globals.find((x) => x.name === 'uid_target')?.cmdarg?.help,
    'Set value of `uid_t` variable uid_target',
  );
  writeFileSync(file, JSON.stringify({ ...pkg, bpf_object_size: 5 }));
  await assert.rejects(loadTarget(file), /unmatched size/);
});

test('a raw object loads with the meta it carries (BTF markers give the event types)', async () => {
  const t = await loadTarget(built.objectPath);
  assert.deepEqual(t.object, built.object);
  assert.equal(t.meta?.name, 'opensnoop');
  assert.deepEqual(t.meta?.exportTypes, ['event', 'open_args']);
  assert.deepEqual(
    t.meta?.globals.map((g) => g.name),
    ['pid_target', 'uid_target', 'targ_failed'],
  );
});

test('stdin, URLs and directories', async () => {
  const bytes = new Uint8Array(readFileSync(built.packagePath));
  const s = await loadTarget('-', { readStdin: async () => bytes });
  assert.deepEqual(s.meta, built.meta);
  const u = await loadTarget(`${base}/opensnoop.bpfkit.json`);
  assert.deepEqual(u.object, built.object);
  await assert.rejects(loadTarget(`${base}/missing.json`), /cannot fetch .*: HTTP 404/);
  const d = await loadTarget(join(dir, 'pkg'));
  assert.deepEqual(d.meta, built.meta);
});

test('clear errors for missing files, other files and skeleton-only JSON', async () => {
  await assert.rejects(loadTarget(join(dir, 'nope.bpfkit.json')), /nope\.bpfkit\.json: no such file/);
  await assert.rejects(
    loadTarget(join(dir, 'opensnoop.bpf.c')),
    /not a BPF object \(\.bpf\.o\), a bpfkit package/,
  );
  writeFileSync(join(dir, 'x.skel.json'), JSON.stringify({ bpf_skel: {} }));
  await assert.rejects(loadTarget(join(dir, 'x.skel.json')), /holds no object: run its package\.json/);
  await assert.rejects(loadTarget('-', { readStdin: async () => new Uint8Array() }), /stdin is empty/);
});
