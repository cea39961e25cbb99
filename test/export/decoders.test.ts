/**
 * Label decoders without a kernel: plain strings are never JSON-quoted, each decoder's mapping
 * (errno by signedness, signal, syscall per architecture, uid, inet 4 and 6, ksym, hex, static_map,
 * regex keep/drop/replace), pipelines, start-up checks against the field, and UTF-8 sanitizing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DecoderConfig } from '../../src/export/config-types.js';
import {
  DecodeFailure,
  checkPipeline,
  labelDecoder,
  wellFormed,
  type DecoderEnv,
} from '../../src/export/decoders.js';
import type { FieldInfo } from '../../src/export/fields.js';

const env: DecoderEnv = {
  passwd: () => 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534::/:/usr/sbin/nologin\n',
  kallsyms: () =>
    'ffffffff81000000 T _stext\nffffffff81100000 T do_sys_open\nffffffff81100200 t helper_fn\nffffffff81200000 D some_data\n',
  arch: 'x64',
};

const int = (size = 4, signed = false): FieldInfo => ({
  kind: 'int',
  size,
  signed,
  typeName: signed ? 'int' : 'u32',
});
const str: FieldInfo = { kind: 'string', size: 16, typeName: 'char[16]' };
const dec = (steps: DecoderConfig[], field: FieldInfo = int()) => labelDecoder(steps, field, env);

test('plain values: strings as they are, numbers in decimal, never JSON-quoted', () => {
  const d = dec([], str);
  assert.equal(d('bash'), 'bash');
  assert.equal(d('say "hi"'), 'say "hi"');
  assert.equal(dec([])(42), '42');
  assert.equal(dec([], int(8))(18446744073709551615n), '18446744073709551615');
  assert.equal(dec([])(true), 'true');
});

test('errno: signed fields are return values, unsigned ones hold errno', () => {
  const ret = dec([{ name: 'errno' }], int(4, true));
  assert.deepEqual([-2, -13, 0, 3].map(ret), ['ENOENT', 'EACCES', '0', '0']);
  const err = dec([{ name: 'errno' }], int(4, false));
  assert.deepEqual([2, 0, 9999].map(err), ['ENOENT', '0', '9999']);
});

test('signal and syscall names', () => {
  const sig = dec([{ name: 'signal' }]);
  assert.deepEqual([9, 15, 32, 34, 64, 99].map(sig), [
    'SIGKILL',
    'SIGTERM',
    'SIGRTMIN',
    'SIGRTMIN+2',
    'SIGRTMAX',
    '99',
  ]);
  const sys = dec([{ name: 'syscall' }]);
  assert.deepEqual([0, 257, 321, 100000].map(sys), ['read', 'openat', 'bpf', '100000']);
  const arm = labelDecoder([{ name: 'syscall' }], int(), { ...env, arch: 'arm64' });
  assert.deepEqual([56, 63, 280].map(arm), ['openat', 'read', 'bpf']);
});

test('uid to user name, kernel addresses to symbols, hex', () => {
  const uid = dec([{ name: 'uid' }]);
  assert.deepEqual([0, 65534, 1234].map(uid), ['root', 'nobody', '1234']);
  const ksym = dec([{ name: 'ksym' }], int(8));
  assert.equal(ksym(0xffffffff81100010n), 'do_sys_open');
  assert.equal(ksym(0xffffffff81100200n), 'helper_fn');
  assert.equal(ksym(0x1000n), '0x1000', 'below every symbol');
  assert.equal(dec([{ name: 'hex' }], int(8))(255n), '0xff');
  assert.equal(dec([{ name: 'hex' }], str)('AB'), '4142');
});

test('inet: IPv4 from a u32 in network order, IPv6 text per RFC 5952', () => {
  assert.equal(dec([{ name: 'inet' }])(0x0100007f), '127.0.0.1');
  const v6: FieldInfo = { kind: 'array', size: 16, elemSize: 1, typeName: 'u8[16]' };
  const bytes = (hex: string): number[] => [...Buffer.from(hex, 'hex')];
  const d6 = dec([{ name: 'inet' }], v6);
  assert.equal(d6(bytes('20010db8000000000000000000000001')), '2001:db8::1');
  assert.equal(d6(bytes('00000000000000000000000000000001')), '::1');
  assert.equal(d6(bytes('00000000000000000000ffffc0a80001')), '::ffff:192.168.0.1');
  assert.equal(d6(bytes('20010db8000100000001000000000001')), '2001:db8:1:0:1::1');
  const u128: FieldInfo = { kind: 'int', size: 16, typeName: 'unsigned __int128' };
  assert.equal(dec([{ name: 'inet', family: 4 }], u128)(0x0100007fn), '127.0.0.1');
  // The address bytes are the integer's little-endian bytes: ::1 ends in 01, the top byte.
  assert.equal(dec([{ name: 'inet' }], u128)(1n << 120n), '::1');
});

test('static_map, regex (capture, replace, keep, drop) and pipelines', () => {
  const m = dec([{ name: 'static_map', map: { '0': 'read', '1': 'write' }, default: 'other_op' }]);
  assert.deepEqual([0, 1, 7].map(m), ['read', 'write', 'other_op']);
  const keep = dec([{ name: 'static_map', map: { '0': 'read' } }]);
  assert.equal(keep(5), '5');
  const cap = dec([{ name: 'regex', match: '^(kworker)/.*$', unmatched: 'keep' }], str);
  assert.deepEqual(['kworker/0:1', 'bash'].map(cap), ['kworker', 'bash']);
  const drop = dec([{ name: 'regex', match: '^/tmp/', unmatched: 'drop' }], str);
  assert.deepEqual(['/tmp/a', '/etc/passwd'].map(drop), ['/tmp/', undefined]);
  const rewrite = dec([{ name: 'regex', match: '\\d+', replace: 'N', unmatched: 'keep' }], str);
  assert.equal(rewrite('cpu12'), 'cpuN');
  const both = dec([{ name: 'errno' }, { name: 'static_map', map: { ENOENT: 'missing' } }], int(4, true));
  assert.deepEqual([-2, -13].map(both), ['missing', 'EACCES']);
  assert.throws(() => dec([{ name: 'errno' }], int(4, true))('x' as unknown as number), DecodeFailure);
});

test('pipelines are checked against their field', () => {
  assert.match(
    checkPipeline([{ name: 'errno' }], str)!,
    /errno decoder needs an integer field, not char\[16\]/,
  );
  assert.match(checkPipeline([{ name: 'inet' }], int(8))!, /inet decoder needs a 4- or 16-byte field/);
  assert.match(checkPipeline([{ name: 'inet', family: 6 }], int(4))!, /IPv6 address needs 16 bytes/);
  assert.match(checkPipeline([{ name: 'string' }, { name: 'uid' }], int())!, /uid decoder must come first/);
  assert.equal(
    checkPipeline([{ name: 'uid' }, { name: 'regex', match: 'x', unmatched: 'keep' }], int()),
    undefined,
  );
});

test('label values are valid UTF-8: lone surrogates become U+FFFD', () => {
  assert.equal(wellFormed('ok'), 'ok');
  assert.equal(wellFormed('a\uD800b'), 'a\uFFFDb');
  assert.equal(wellFormed('\uDC00'), '\uFFFD');
  assert.equal(wellFormed('\uD83D\uDE00'), '\uD83D\uDE00', 'a pair stays');
  // What the BTF decoder does with a comm cut in the middle of a character: U+FFFD already.
  const cut = Buffer.from('inner-job-同', 'utf8').subarray(0, 12).toString('utf8');
  assert.equal(dec([], str)(cut), 'inner-job-\uFFFD');
  // A regex can cut a pair in two; a config string can hold a lone one (YAML "\uD800").
  assert.equal(dec([{ name: 'regex', match: '^(.{2})', unmatched: 'keep' }], str)('a\u{1F600}b'), 'a\uFFFD');
  assert.equal(dec([{ name: 'static_map', map: { '1': 'x\uD800' } }])(1), 'x\uFFFD');
});
