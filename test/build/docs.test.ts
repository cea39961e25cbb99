// Doc comments, tags and event types read from clang's AST of real fixtures (no kernel needed).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { findClang, baseFlags, includeFlags } from '../../src/build/clang.js';
import { dumpAst, type AstDump } from '../../src/build/ast.js';
import { collectDocs, descriptionOf, type DocComment, type SourceDocs } from '../../src/build/docs.js';
import { findEventUses } from '../../src/build/exports.js';
import { parseCmdArg, parseSample } from '../../src/build/metadata.js';
import { ensurePch, ensureVmlinuxHeader } from '../../src/build/vmlinux.js';
import { bpfkitVersion } from '../../src/build/index.js';
import { Btf } from '../../src/btf/btf.js';
import { scratch, testEnv } from './helpers.js';

let dump: AstDump;
let docs: SourceDocs;
let dir: string;

before(async () => {
  dir = scratch();
  const clang = findClang();
  const vm = await ensureVmlinuxHeader({ version: bpfkitVersion(), env: testEnv() });
  const pch = vm && (await ensurePch(clang, vm));
  const src = join(dir, 'opensnoop.bpf.c');
  const d = await dumpAst(clang, src, [...baseFlags(), ...includeFlags(vm?.dir)], pch);
  assert.ok(d, 'the fixture parses');
  dump = d;
  docs = collectDocs(dump);
});

test('plain text and @description "…" become descriptions (tutorial opensnoop)', () => {
  assert.equal(descriptionOf(docs.vars.get('pid_target')), 'Process ID to trace');
  assert.equal(descriptionOf(docs.vars.get('uid_target')), 'User ID to trace');
  assert.equal(descriptionOf(docs.vars.get('targ_failed')), 'trace only failed events');
  assert.equal(descriptionOf(docs.functions.get('tracepoint__syscalls__sys_enter_openat')), 'Trace openat entry');
});

test('@cmdarg and @sample are parsed as JSON; unknown tags are kept', () => {
  assert.deepEqual(docs.vars.get('targ_failed')?.tags.cmdarg, { default: false, short: 'f', long: 'failed' });
  // The map's comment sits on the anonymous struct; it is moved to the variable.
  const hists = docs.vars.get('hists');
  assert.equal(hists?.text, 'Latency histogram');
  assert.deepEqual(hists?.tags.sample, { interval: 1000, type: 'log2_hist', unit: 'usecs' });
  assert.equal(docs.functions.get('tracepoint__syscalls__sys_enter_openat')?.tags.flag, 'called on every openat');
});

test('LICENSE carries @brief, @details, @version and the program description', () => {
  const lic = docs.vars.get('LICENSE');
  assert.equal(lic?.tags.brief, 'opensnoop demo.');
  assert.equal(lic?.tags.details, 'It traces open calls.');
  assert.equal(lic?.tags.version, '0.1');
  assert.equal(descriptionOf(lic), 'Trace open family syscalls.');
});

test('comments are located: file and line of the declaration', () => {
  const d = docs.vars.get('pid_target');
  assert.equal(d?.file, join(dir, 'opensnoop.bpf.c'));
  assert.equal(d?.line, 7);
  assert.ok(docs.records.some((r) => r.name === 'event' && r.line === 16));
});

test('event types come from the ring buffer and perf output calls', () => {
  const uses = findEventUses(dump);
  assert.deepEqual(
    uses.map((u) => [u.helper, u.map, u.record?.name]),
    [
      ['bpf_ringbuf_reserve', 'rb', 'event'],
      ['bpf_perf_event_output', 'events', 'open_args'],
    ],
  );
});

const doc: DocComment = { text: '', tags: {}, file: 'x.bpf.c', line: 3 };

test('parseSample: defaults, required interval, checked type', () => {
  assert.deepEqual(parseSample({ interval: 500 }, doc, 'm'), { interval: 500, type: 'default_kv' });
  assert.deepEqual(parseSample({ interval: 1, type: 'linear_hist', clear_map: true }, doc, 'm'), {
    interval: 1,
    type: 'linear_hist',
    clearMap: true,
  });
  assert.throws(() => parseSample({ type: 'log2_hist' }, doc, 'm'), /x\.bpf\.c:3: @sample of m: "interval"/);
  assert.throws(() => parseSample({ interval: 1, type: 'pie' }, doc, 'm'), /"type" must be one of/);
  assert.throws(() => parseSample('{interval: 1}', doc, 'm'), /must be a JSON object/);
  const warnings: string[] = [];
  parseSample({ interval: 1, colour: 'red' }, doc, 'm', warnings);
  assert.match(warnings[0], /unknown key "colour"/);
});

test('parseCmdArg: one-letter short, default checked against the type', () => {
  const btf = Btf.kernel();
  const u16 = btf.byName('__u16', 'typedef')[0].id;
  assert.deepEqual(parseCmdArg({ short: 'p', long: 'pid', default: 7, help: 'h' }, doc, 'x', btf, u16), {
    short: 'p',
    long: 'pid',
    default: 7,
    help: 'h',
  });
  assert.throws(() => parseCmdArg({ short: 'pid' }, doc, 'x', btf, u16), /"short" must be exactly one/);
  assert.throws(() => parseCmdArg({ default: 70000 }, doc, 'x', btf, u16), /x\.bpf\.c:3: @cmdarg .*out of range/);
  assert.throws(() => parseCmdArg({ lnog: 'a' }, doc, 'x', btf, u16), /unknown key "lnog"/);
});
