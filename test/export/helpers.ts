/**
 * Helpers of the exporter tests: packages built once with `bpfkit build` (reused while their sources
 * are older), free loopback ports, a `bpfkit export` child process, scraping and parsing /metrics,
 * the invariants promtool does not check (buckets monotonic, +Inf == _count, no NaN, no duplicate
 * series), promtool itself, and a real Prometheus server on loopback with a temporary data dir.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILD, ROOT, runCli, startCli, type CliOptions, type CliRun } from '../helpers/bpf.js';
import { testEnv } from '../build/helpers.js';
import { allIds } from '../../src/sys/bpf.js';

/** Sources of the packages the tests use. */
const SOURCES: Record<string, string[]> = {
  opensnoop: ['examples/opensnoop/opensnoop.bpf.c', 'examples/opensnoop/opensnoop.h'],
  runqlat: ['examples/runqlat/runqlat.bpf.c'],
  kinds: ['test/fixtures/export/kinds.bpf.c'],
};

/** Where built packages are kept between test files. */
export const PKG_DIR = join(BUILD, 'export');

/** Builds `name` with `bpfkit build` unless an up-to-date package exists; returns its path. */
export async function pkg(name: keyof typeof SOURCES): Promise<string> {
  const out = join(PKG_DIR, `${name}.bpfkit.json`);
  const srcs = SOURCES[name].map((s) => join(ROOT, s));
  const fresh = existsSync(out) && srcs.every((s) => statSync(s).mtimeMs < statSync(out).mtimeMs);
  if (!fresh) {
    mkdirSync(PKG_DIR, { recursive: true });
    const r = await runCli(['build', ...srcs, '-o', PKG_DIR], { env: testEnv() });
    assert.equal(r.code, 0, r.stderr);
  }
  return out;
}

/** A scratch directory removed by the returned function. */
export function scratchDir(prefix: string): [string, () => void] {
  const dir = mkdtempSync(join(tmpdir(), `bpfkit-export-${prefix}-`));
  return [dir, () => rmSync(dir, { recursive: true, force: true })];
}

/** A TCP port free on loopback right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A running `bpfkit export`. */
export interface RunningExporter {
  url: string;
  run: CliRun;
  pid: number;
  /** SIGINT (or `signal`), then the exit status. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Starts `bpfkit export -c config --listen 127.0.0.1:<free port> …extra` and waits until it listens. */
export async function startExporter(
  config: string,
  extra: string[] = [],
  opts: CliOptions = {},
): Promise<RunningExporter> {
  const port = await freePort();
  const run = startCli(['export', '-c', config, '--listen', `127.0.0.1:${port}`, ...extra], opts);
  let exited: number | string | undefined;
  void run.exited.then((c) => (exited = c));
  const end = Date.now() + 20_000;
  while (!/Listening on http:\/\/\S+/.test(run.stdout())) {
    if (exited !== undefined) throw new Error(`bpfkit export exited (${exited}): ${run.stderr()}`);
    if (Date.now() > end) throw new Error(`bpfkit export did not start: ${run.stderr()}`);
    await sleep(50);
  }
  const url = /Listening on (http:\/\/\S+)/.exec(run.stdout())![1];
  return {
    url,
    run,
    pid: run.child.pid!,
    stop: async (signal: NodeJS.Signals = 'SIGINT') => {
      if (exited === undefined) run.child.kill(signal);
      return run.exited;
    },
  };
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** GET /metrics (with an Accept header when given). */
export async function scrape(url: string, accept?: string): Promise<{ text: string; contentType: string }> {
  const res = await fetch(`${url}/metrics`, { headers: accept ? { accept } : {} });
  assert.equal(res.status, 200, `GET /metrics: ${res.status}`);
  return { text: await res.text(), contentType: res.headers.get('content-type') ?? '' };
}

/** One sample of an exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  raw: string;
}

/** Samples and family types of a text (0.0.4 or OpenMetrics) exposition. */
export function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) types.set(t[1], t[2]);
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]] = l[2].replace(/\\(["\\n])/g, (_x, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1], labels, value: num(m[3]), raw: m[3] });
  }
  return { samples, types };
}

/** A sample value or `le` as the exposition formats write them (`+Inf`, `-Inf`, `NaN` any case). */
export function num(s: string): number {
  if (/^\+?inf$/i.test(s)) return Infinity;
  if (/^-inf$/i.test(s)) return -Infinity;
  if (/^nan$/i.test(s)) return NaN;
  return Number(s);
}

/** The value of the one sample named `name` whose labels include `labels`. */
export function valueOf(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const hits = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  assert.ok(hits.length <= 1, `one ${name}${JSON.stringify(labels)}, got ${hits.length}`);
  return hits[0]?.value;
}

const key = (s: Sample, drop?: string): string =>
  `${s.name}{${Object.entries(s.labels)
    .filter(([k]) => k !== drop)
    .sort()
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;

/**
 * What promtool does not check: no NaN, no two samples with the same name and labels, and per
 * histogram series `le` increasing, buckets non-decreasing, ending at +Inf equal to `_count`.
 */
export function checkInvariants(text: string): void {
  const { samples, types } = parseExposition(text);
  const seen = new Set<string>();
  for (const s of samples) {
    assert.ok(!Number.isNaN(s.value), `no NaN: ${key(s)} ${s.raw}`);
    assert.ok(!seen.has(key(s)), `duplicate series ${key(s)}`);
    seen.add(key(s));
  }
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const series = new Map<string, Sample[]>();
    for (const s of samples.filter((x) => x.name === `${family}_bucket`)) {
      const k = key({ ...s, name: family }, 'le');
      series.set(k, [...(series.get(k) ?? []), s]);
    }
    for (const [k, buckets] of series) {
      const les = buckets.map((b) => num(b.labels.le));
      for (let i = 1; i < buckets.length; i++) {
        assert.ok(les[i] > les[i - 1], `${k}: le increasing (${les[i - 1]}, ${les[i]})`);
        assert.ok(buckets[i].value >= buckets[i - 1].value, `${k}: buckets cumulative at le=${les[i]}`);
      }
      assert.equal(buckets.at(-1)!.labels.le, '+Inf', `${k}: last bucket is +Inf`);
      const count = samples.find((s) => s.name === `${family}_count` && key({ ...s, name: family }) === k);
      if (count) assert.equal(buckets.at(-1)!.value, count.value, `${k}: +Inf == _count`);
    }
  }
}

/** `promtool check metrics` on `text`. */
export function promtool(text: string): { status: number; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

/** A Prometheus server started for a test. */
export interface Prometheus {
  url: string;
  /** An instant query's result vector. */
  query(q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

/** Starts Debian's prometheus on a free loopback port scraping `targets` every second. */
export async function startPrometheus(targets: string[]): Promise<Prometheus> {
  const [dir, clean] = scratchDir('prometheus');
  const port = await freePort();
  const cfg = join(dir, 'prometheus.yml');
  writeFileSync(
    cfg,
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: bpfkit',
      '    static_configs:',
      `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${cfg}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await exited;
    clean();
  };
  const end = Date.now() + 20_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > end || child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus did not start: ${log}`);
    }
    await sleep(100);
  }
  return {
    url,
    stop,
    async query(q) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = (await res.json()) as { status: string; data: { result: [] }; error?: string };
      assert.equal(body.status, 'success', `${q}: ${body.error}`);
      return body.data.result;
    },
  };
}

/** Resident set size of process `pid` in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
}

/** Ids of the BPF programs process `pid` holds fds of (from /proc/<pid>/fdinfo). */
export function progIdsOf(pid: number): number[] {
  const ids = new Set<number>();
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    let info: string;
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    const m = /^prog_id:\s+(\d+)/m.exec(info);
    if (m) ids.add(Number(m[1]));
  }
  return [...ids];
}

/** Those of `ids` still loaded after the kernel has had up to `timeoutMs` to free them. */
export async function stillLoaded(ids: number[], timeoutMs = 2000): Promise<number[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const loaded = new Set(allIds('prog'));
    const left = ids.filter((id) => loaded.has(id));
    if (left.length === 0 || Date.now() > end) return left;
    await sleep(20);
  }
}
