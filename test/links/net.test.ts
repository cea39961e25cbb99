/**
 * xdp and tc programs on a veth pair between two network namespaces this test creates (and always
 * deletes): `bpfkit run --ifname` inside one namespace attaches them (xdp link; tcx link on this
 * kernel, or a clsact qdisc filter when forced with BPFKIT_TC_MODE=clsact), UDP packets sent across
 * are counted exactly, and after Ctrl-C the link, filter and qdisc bpfkit made are gone. Needs root,
 * iproute2 and `npm run build`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from '../../src/build/index.js';
import { linkInfo } from '../../src/sys/objinfo.js';
import { fdById, closeFd } from '../../src/sys/bpf.js';
import { testEnv } from '../build/helpers.js';
import { ROOT, fixture, objectIdsOf, runCli, stillExisting, waitFor, type CliRun } from '../helpers/bpf.js';

const NS_A = `bkA${process.pid}`;
const NS_B = `bkB${process.pid}`;
const DEV_A = `bka${process.pid}`;
const DEV_B = `bkb${process.pid}`;
const IP_A = '198.18.1.1';
const IP_B = '198.18.1.2';
const PORT = 4242;
const dir = mkdtempSync(join(tmpdir(), 'bpfkit-net-'));
const pkgs: Record<string, string> = {};

const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8' });
const inA = (cmd: string, ...args: string[]): string => sh('ip', ['netns', 'exec', NS_A, cmd, ...args]);

function removeNamespaces(): void {
  for (const ns of [NS_A, NS_B]) spawnQuiet('ip', ['netns', 'del', ns]);
}

function spawnQuiet(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
  } catch {
    // already gone
  }
}

before(async () => {
  process.on('exit', removeNamespaces);
  removeNamespaces();
  sh('ip', ['netns', 'add', NS_A]);
  sh('ip', ['netns', 'add', NS_B]);
  sh('ip', ['link', 'add', DEV_A, 'netns', NS_A, 'type', 'veth', 'peer', 'name', DEV_B, 'netns', NS_B]);
  for (const [ns, dev, ip] of [
    [NS_A, DEV_A, IP_A],
    [NS_B, DEV_B, IP_B],
  ]) {
    sh('ip', ['-n', ns, 'addr', 'add', `${ip}/30`, 'dev', dev]);
    sh('ip', ['-n', ns, 'link', 'set', dev, 'up']);
  }
  for (const name of ['xdp-count', 'tc-udp', 'tc-legacy']) {
    const src = join(dir, `${name}.bpf.c`);
    copyFileSync(fixture(`net/${name}.bpf.c`), src);
    pkgs[name] = (await build({ source: src, env: testEnv() })).packagePath;
  }
});

after(() => {
  removeNamespaces();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends `n` UDP datagrams to PORT from namespace `from` to `to` (bash's /dev/udp: one per open). */
function sendUdp(from: string, to: string, n: number): void {
  sh('ip', [
    'netns',
    'exec',
    from,
    'bash',
    '-c',
    `for i in $(seq ${n}); do echo x > /dev/udp/${to}/${PORT}; done`,
  ]);
}

/** `bpfkit run` inside namespace A, with the output collected. */
function runInA(args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const child = spawn(
    'ip',
    ['netns', 'exec', NS_A, process.execPath, join(ROOT, 'dist/cli/bin.cjs'), 'run', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((res) =>
    child.on('close', (code, sig) => res(code ?? sig ?? -1)),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

const lines = (run: CliRun): Record<string, unknown>[] =>
  run
    .stdout()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Kernel link types (enum bpf_link_type) of the links a process holds, by link id. */
function linkTypes(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const id of objectIdsOf(pid, 'link')) {
    const fd = fdById('link', id);
    if (fd === undefined) continue;
    try {
      out.set(id, linkInfo(fd).type);
    } finally {
      closeFd(fd);
    }
  }
  return out;
}

const LINK_XDP = 6;
const LINK_TCX = 11;

/** Waits until `run` holds `n` links of `type`; returns their ids and the programs' ids. */
async function linksOf(run: CliRun, type: number, n: number): Promise<{ links: number[]; progs: number[] }> {
  const links = await waitFor(() => {
    assert.equal(run.child.exitCode, null, run.stderr());
    const ids = [...linkTypes(run.child.pid!)].filter(([, t]) => t === type).map(([id]) => id);
    return ids.length === n ? ids : undefined;
  });
  return { links, progs: objectIdsOf(run.child.pid!, 'prog') };
}

/** Ctrl-C; the run exits 0 with its links and programs gone. */
async function stop(run: CliRun, ids: { links: number[]; progs: number[] }): Promise<void> {
  run.child.kill('SIGINT');
  assert.equal(await run.exited, 0, run.stderr());
  assert.deepEqual(await stillExisting('link', ids.links), [], 'our links are gone');
  assert.deepEqual(await stillExisting('prog', ids.progs), [], 'our programs are gone');
}

async function withRun(run: CliRun, fn: (run: CliRun) => Promise<void>): Promise<void> {
  try {
    await fn(run);
  } finally {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
  }
}

test('xdp: an XDP link on --ifname counts the UDP packets received, decoded from the sampled map', async () => {
  const run = runInA([pkgs['xdp-count'], '--ifname', DEV_A, '--targ_port', String(PORT), '--json']);
  await withRun(run, async () => {
    const ids = await linksOf(run, LINK_XDP, 1);
    assert.match(sh('ip', ['-n', NS_A, '-d', 'link', 'show', 'dev', DEV_A]), /prog\/xdp id \d+/);
    // A second XDP program on the same interface is refused in one line, and the first stays.
    const second = runInA([pkgs['xdp-count'], '--ifname', DEV_A, '--duration', '5']);
    assert.equal(await second.exited, 1);
    assert.match(
      second.stderr(),
      new RegExp(
        `^bpfkit: attaching xdp:${DEV_A} failed: EBUSY \\(device or resource busy\\): ${DEV_A} already has an XDP program\n$`,
      ),
    );
    sendUdp(NS_B, IP_A, 5);
    const last = await waitFor(() => {
      const l = lines(run).at(-1);
      return (l?.value as { packets?: number } | undefined)?.packets === 5 ? l : undefined;
    });
    assert.deepEqual(last, { map: 'udp_in', key: { port: PORT }, value: { packets: 5, bytes: 5 * 44 } });
    await stop(run, ids);
    assert.doesNotMatch(sh('ip', ['-n', NS_A, '-d', 'link', 'show', 'dev', DEV_A]), /xdp/);
  });
});

test("an ecli-style package.json: no --ifname, the xdp program's @ifindex and @flags (generic mode) decide", async () => {
  const object = readFileSync(pkgs['xdp-count'].replace(/\.bpfkit\.json$/, '.bpf.o'));
  const ifindex = Number(inA('cat', `/sys/class/net/${DEV_A}/ifindex`));
  const pkg = join(dir, 'package.json');
  writeFileSync(
    pkg,
    JSON.stringify({
      bpf_object: deflateSync(object).toString('base64'),
      bpf_object_size: object.length,
      meta: {
        bpf_skel: {
          obj_name: 'xdp_count_bpf',
          maps: [{ name: 'udp_in', ident: 'udp_in', sample: { interval: 200, type: 'default_kv' } }],
          // As ecc writes a program's @ifindex, @flags and @xdpopts tags (XDP_FLAGS_SKB_MODE = 2).
          progs: [
            { name: 'count_udp', attach: 'xdp', link: true, ifindex, flags: 2, xdpopts: { old_prog_fd: 0 } },
          ],
        },
        eunomia_version: '0.3.4',
      },
    }),
  );
  const run = runInA([pkg, '--json']);
  await withRun(run, async () => {
    const ids = await linksOf(run, LINK_XDP, 1);
    assert.match(
      sh('ip', ['-n', NS_A, '-d', 'link', 'show', 'dev', DEV_A]),
      /xdpgeneric/,
      'generic (skb) mode',
    );
    sendUdp(NS_B, IP_A, 3);
    await waitFor(() =>
      lines(run).some(
        (l) => (l.key as { port: number }).port === PORT && (l.value as { packets: number }).packets === 3,
      )
        ? true
        : undefined,
    );
    await stop(run, ids);
    assert.doesNotMatch(sh('ip', ['-n', NS_A, '-d', 'link', 'show', 'dev', DEV_A]), /xdp/);
  });
});

test('tcx: tcx/ingress and tcx/egress programs (sections libbpf 1.1 does not know) see each direction', async () => {
  const run = runInA([pkgs['tc-udp'], '--ifname', DEV_A, '--targ_port', String(PORT), '--json']);
  await withRun(run, async () => {
    const ids = await linksOf(run, LINK_TCX, 2);
    sendUdp(NS_B, IP_A, 3);
    sendUdp(NS_A, IP_B, 2);
    const ifindex = Number(inA('cat', `/sys/class/net/${DEV_A}/ifindex`));
    await waitFor(() => (lines(run).length >= 5 ? true : undefined));
    const seen = lines(run);
    assert.equal(seen.filter((e) => e.dir === 'DIR_INGRESS').length, 3);
    assert.equal(seen.filter((e) => e.dir === 'DIR_EGRESS').length, 2);
    // 14 (Ethernet) + 20 (IPv4) + 8 (UDP) + 2 ("x\n")
    for (const e of seen) assert.deepEqual([e.ifindex, e.dport, e.len], [ifindex, PORT, 44]);
    await stop(run, ids);
  });
});

test('tc: a SEC("tc") program attaches where its @tchook says (egress), as a tcx link on this kernel', async () => {
  const run = runInA([pkgs['tc-legacy'], '--ifname', DEV_A, '--targ_port', String(PORT), '--json']);
  await withRun(run, async () => {
    const ids = await linksOf(run, LINK_TCX, 1);
    sendUdp(NS_B, IP_A, 2); // ingress: not counted
    sendUdp(NS_A, IP_B, 3);
    await waitFor(() => (lines(run).length >= 3 ? true : undefined));
    assert.deepEqual(
      lines(run).map((e) => e.count),
      [1, 2, 3],
    );
    await stop(run, ids);
    assert.doesNotMatch(sh('tc', ['-n', NS_A, 'qdisc', 'show', 'dev', DEV_A]), /clsact/, 'no qdisc made');
  });
});

/** The tc filters on DEV_A's `dir` hook, as tc(8) lists them. */
const filters = (dir: 'ingress' | 'egress'): string =>
  sh('tc', ['-n', NS_A, 'filter', 'show', 'dev', DEV_A, dir]);
const qdiscs = (): string => sh('tc', ['-n', NS_A, 'qdisc', 'show', 'dev', DEV_A]);

test('clsact (BPFKIT_TC_MODE=clsact, the path for kernels without tcx): filter with @tcopts, qdisc removed after', async () => {
  assert.doesNotMatch(qdiscs(), /clsact/);
  const run = runInA([pkgs['tc-legacy'], '--ifname', DEV_A, '--targ_port', String(PORT), '--json'], {
    BPFKIT_TC_MODE: 'clsact',
  });
  await withRun(run, async () => {
    // handle 7 and priority 3 come from the program's @tcopts.
    await waitFor(() => (/pref 3 bpf chain 0 handle 0x7 udp_out/.test(filters('egress')) ? true : undefined));
    assert.match(qdiscs(), /qdisc clsact/);
    assert.equal(linkTypes(run.child.pid!).size, 0, 'no BPF link: a netlink filter');
    const progs = objectIdsOf(run.child.pid!, 'prog');
    sendUdp(NS_A, IP_B, 4);
    await waitFor(() => (lines(run).length >= 4 ? true : undefined));
    assert.deepEqual(
      lines(run).map((e) => e.count),
      [1, 2, 3, 4],
    );
    await stop(run, { links: [], progs });
    assert.doesNotMatch(qdiscs(), /clsact/, 'the qdisc bpfkit created is gone');
  });
});

test('clsact on a qdisc that was there before: both directions, only our filters removed', async () => {
  sh('ip', ['netns', 'exec', NS_A, 'tc', 'qdisc', 'add', 'dev', DEV_A, 'clsact']);
  try {
    const run = runInA([pkgs['tc-udp'], '--ifname', DEV_A, '--targ_port', String(PORT), '--json'], {
      BPFKIT_TC_MODE: 'clsact',
    });
    await withRun(run, async () => {
      await waitFor(() =>
        /udp_ingress/.test(filters('ingress')) && /udp_egress/.test(filters('egress')) ? true : undefined,
      );
      const progs = objectIdsOf(run.child.pid!, 'prog');
      sendUdp(NS_B, IP_A, 2);
      sendUdp(NS_A, IP_B, 1);
      await waitFor(() => (lines(run).length >= 3 ? true : undefined));
      assert.deepEqual(
        lines(run).map((e) => e.dir),
        ['DIR_INGRESS', 'DIR_INGRESS', 'DIR_EGRESS'],
      );
      await stop(run, { links: [], progs });
      assert.match(qdiscs(), /qdisc clsact/, 'the qdisc someone else made stays');
      assert.equal(filters('ingress') + filters('egress'), '', 'our filters are gone');
    });
  } finally {
    spawnQuiet('ip', ['netns', 'exec', NS_A, 'tc', 'qdisc', 'del', 'dev', DEV_A, 'clsact']);
  }
});

test('xdp and tc without an interface, or with one this namespace lacks: one line, exit 2', async () => {
  const none = await runCli(['run', pkgs['xdp-count'], '--duration', '1']);
  assert.equal(none.code, 2);
  assert.equal(
    none.stderr,
    "bpfkit: program 'count_udp' (xdp) attaches to a network interface: pass one (--ifname <name>)\n",
  );
  const missing = await runCli(['run', pkgs['tc-udp'], '--ifname', DEV_A, '--duration', '1']);
  assert.equal(missing.code, 2);
  assert.equal(
    missing.stderr,
    `bpfkit: program 'udp_ingress': no network interface '${DEV_A}' in this network namespace\n`,
  );
  const badMode = await runCli(['run', pkgs['tc-legacy'], '--ifname', 'lo', '--duration', '1'], {
    env: { ...process.env, BPFKIT_TC_MODE: 'fast' },
  });
  assert.equal(badMode.code, 2);
  assert.equal(badMode.stderr, "bpfkit: BPFKIT_TC_MODE must be auto, tcx or clsact, not 'fast'\n");
});
