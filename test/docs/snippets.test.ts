/**
 * The guides in docs/ run: every fenced block tagged `file=<path>` is exactly that file; the
 * TypeScript snippets type-check against src/ (docs/snippets/tsconfig.json maps 'bpfkit' to
 * src/index.ts), and each runs as the guide says (`node --import tsx docs/snippets/x.ts`, which
 * resolves 'bpfkit' to the built package) against the real kernel while the test triggers it, and
 * prints what the trigger did.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/bpf.js';
import { testEnv } from '../build/helpers.js';

const DOCS = join(ROOT, 'docs');
const SNIPPETS = join(DOCS, 'snippets');
const SCRATCH = mkdtempSync(join(tmpdir(), 'bpfkit-docs-test-'));
process.on('exit', () => rmSync(SCRATCH, { recursive: true, force: true }));

/** Fenced blocks tagged `file=...` in a Markdown page: [path, text]. */
function taggedBlocks(markdown: string): [string, string][] {
  const out: [string, string][] = [];
  const re = /^```\w+ file=(\S+)\n([\s\S]*?)^```$/gm;
  for (let m = re.exec(markdown); m; m = re.exec(markdown)) out.push([m[1], m[2]]);
  return out;
}

const pages = readdirSync(DOCS).filter((f) => f.endsWith('.md'));
const blocks = pages.flatMap((p) =>
  taggedBlocks(readFileSync(join(DOCS, p), 'utf8')).map(([file, text]) => ({ page: p, file, text })),
);

test('every tagged block of the guides is its file, and every snippet is in a guide', () => {
  assert.ok(blocks.length >= 10, `only ${blocks.length} tagged blocks`);
  for (const b of blocks) {
    assert.equal(
      b.text,
      readFileSync(join(ROOT, b.file), 'utf8'),
      `${b.page}: block ${b.file} differs from the file`,
    );
  }
  const shown = new Set(blocks.map((b) => b.file));
  for (const f of readdirSync(SNIPPETS).filter((x) => x.endsWith('.ts'))) {
    assert.ok(shown.has(`docs/snippets/${f}`), `docs/snippets/${f} is in no guide`);
  }
});

before(() => {
  // The generated-bindings guide's module, made as the guide says.
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'dist/cli/bin.cjs'),
      'gen',
      'docs/snippets/hello.bpf.c',
      '-o',
      'docs/snippets/generated/hello.ts',
    ],
    { cwd: ROOT, env: testEnv(), stdio: ['ignore', 'ignore', 'inherit'] },
  );
});

test('the snippets type-check against src/', () => {
  const r = spawnSync('npx', ['tsc', '-p', join(SNIPPETS, 'tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.stdout + r.stderr, '');
  assert.equal(r.status, 0);
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a snippet, calling `trigger` every 200 ms once it prints `ready` (when given), and resolves
 * when it has ended by itself (failing after 60 s: builds included).
 */
function runSnippet(
  name: string,
  args: string[],
  ready?: RegExp,
  trigger: () => void = () => {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', `docs/snippets/${name}.ts`, ...args], {
      cwd: ROOT,
      env: testEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (ready && !timer && ready.test(stdout)) timer = setInterval(trigger, 200);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const kill = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not end by itself:\n${stdout}\n${stderr}`));
    }, 60_000);
    child.on('close', (code) => {
      clearInterval(timer);
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A copy of /bin/true (or cat) under a name of ours, so its exec and its comm are recognisable. */
function program(from: string, name: string): string {
  const p = join(SCRATCH, name);
  copyFileSync(from, p);
  execFileSync('chmod', ['755', p]);
  return p;
}

function ok(r: Run): void {
  assert.equal(r.code, 0, `exit ${r.code}\n${r.stderr}`);
}

test('first-program: prints the path this process opened', async () => {
  const marker = join(SCRATCH, 'first-program-marker');
  writeFileSync(marker, 'x');
  const r = await runSnippet('first-program', ['3', String(process.pid)], /tracing/, () =>
    readFileSync(marker),
  );
  ok(r);
  const lines = r.stdout.split('\n').filter((l) => l && !l.startsWith('tracing'));
  assert.ok(lines.length > 0, r.stdout);
  assert.ok(lines.includes(`${process.pid} node ${marker}`), r.stdout);
  // target_pid was set: only this process's opens are there.
  for (const l of lines) assert.match(l, new RegExp(`^${process.pid} `));
});

test('read-a-map: counts opens by command in the hash map and per CPU', async () => {
  const cat = program('/bin/cat', 'docsmapcat');
  const file = join(SCRATCH, 'read-a-map-marker');
  writeFileSync(file, 'x');
  const r = await runSnippet('read-a-map', ['3'], /counting/, () => void spawnSync(cat, [file]));
  ok(r);
  const count = /^ *(\d+) uid 0 docsmapcat$/m.exec(r.stdout);
  assert.ok(count && Number(count[1]) >= 3, r.stdout);
  const perCpu = /^per CPU: [\d ]+ \(total (\d+)\)$/m.exec(r.stdout);
  assert.ok(perCpu && Number(perCpu[1]) >= Number(count[1]), r.stdout);
  assert.match(r.stdout, /^reset \S+: 0$/m);
  assert.match(r.stdout, /^after reset: \d+$/m);
});

test('ring-buffer: the exec of a known program is a decoded record', async () => {
  const exe = program('/bin/true', 'docs-exec-mark');
  const r = await runSnippet('ring-buffer', ['3'], /tracing/, () => void spawnSync(exe));
  ok(r);
  assert.match(r.stdout, new RegExp(`^exec pid=\\d+ ppid=${process.pid} comm=docs-exec-mark ${exe}$`, 'm'));
  const n = /^(\d+) records$/m.exec(r.stdout);
  assert.ok(n && Number(n[1]) > 0, r.stdout);
});

test('ring-buffer-callback: onRecord sees the exec; stats and losses are printed', async () => {
  const exe = program('/bin/true', 'docs-exec-cb');
  const r = await runSnippet('ring-buffer-callback', ['3'], /tracing/, () => void spawnSync(exe));
  ok(r);
  assert.match(r.stdout, new RegExp(`^exec ${exe} \\(280 bytes\\)$`, 'm'));
  const s = /^(\d+) records in (\d+) batches, (\d+) wake-ups, (\d+) lost$/m.exec(r.stdout);
  assert.ok(s && Number(s[1]) > 0 && Number(s[2]) > 0, r.stdout);
  assert.equal(s[4], '0');
});

test('ring-buffer-poll: a loop of poll() calls, with no poller, sees the exec', async () => {
  const exe = program('/bin/true', 'docs-exec-poll');
  const r = await runSnippet('ring-buffer-poll', ['3'], /tracing/, () => void spawnSync(exe));
  ok(r);
  assert.match(r.stdout, new RegExp(`^exec ${exe}$`, 'm'));
  const s = /^(\d+) records, (\d+) wake-ups$/m.exec(r.stdout);
  assert.ok(s && Number(s[1]) > 0 && Number(s[2]) > 0, r.stdout);
});

test('build-a-package: lists what the package carries', async () => {
  const r = await runSnippet('build-a-package', []);
  ok(r);
  assert.match(r.stdout, /^wrote build\/docs\/hello\.bpfkit\.json \(object: build\/docs\/hello\.bpf\.o\)$/m);
  assert.match(r.stdout, /^program trace_openat: tracepoint tracepoint\/syscalls\/sys_enter_openat$/m);
  assert.match(r.stdout, /^map events: ringbuf, records are struct event$/m);
  assert.match(r.stdout, /^option --target_pid \(pid_t\): Only trace this process ID \(0: all\)$/m);
  assert.match(r.stdout, /^object: \d+ bytes, 1 program\(s\), license GPL$/m);
});

test('generated-bindings: typed records of the generated module', async () => {
  const marker = join(SCRATCH, 'generated-marker');
  writeFileSync(marker, 'x');
  const r = await runSnippet('generated-bindings', ['3'], /tracing/, () => readFileSync(marker));
  ok(r);
  assert.match(r.stdout, /^tracing openat\(2\) for 3 s \(target_pid 0\)$/m);
  assert.ok(r.stdout.split('\n').includes(`${process.pid} node ${marker}`), r.stdout);
});

test('errors: each typed error with its fields and exit status', async () => {
  const r = await runSnippet('errors', []);
  ok(r);
  const expected = [
    /^bad value: BadValueError \(exit 2\) target=target_pid value=abc type=pid_t$/m,
    /^unknown global: NotFoundError \(exit 1\) what=global key=target_pdi available=target_pid$/m,
    /^compile: CompileError \(exit 1\) file=docs\/snippets\/broken\.bpf\.c diagnostics: .*undeclared/m,
    /^wrong header: BuildError \(exit 1\) /m,
    /^verifier: VerifierError \(exit 1\) program=count_getpid log: \d+ lines$/m,
    /^missing hook: NotSupportedError \(exit 1\) feature=\S*sys_enter_no_such_call program=no_such_call$/m,
    /^unknown map: NotFoundError \(exit 1\) what=map key=event available=events/m,
    /^too late: StateError \(exit 1\) state=loaded$/m,
    /^closed: ClosedError \(exit 1\) handle=object operation=attach/m,
  ];
  for (const re of expected) assert.match(r.stdout, re);
  assert.doesNotMatch(r.stdout, /no error/);
});
