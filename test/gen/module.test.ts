/**
 * `generateModule` without the kernel: the BTF → TypeScript mapping on a fixture with every kind of
 * type, held against what the decoder really produces (through the TypeScript compiler's own view of
 * the generated types), names and their collisions, doc comments, and byte-identical output.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { ObjectSpec } from '../../src/spec/object.js';
import { decoderFor } from '../../src/btf/decode.js';
import { encodeValue, type Encodable } from '../../src/btf/encode.js';
import { generateModule } from '../../src/gen/module.js';
import { NameTable, pascalCase, propertyKey } from '../../src/gen/names.js';
import { tsdoc } from '../../src/gen/tsdoc.js';
import { readGenInput } from '../../src/gen/input.js';
import { testEnv } from '../build/helpers.js';
import { compileBpf, fixture } from '../helpers/bpf.js';
import { GEN_DIR, GeneratedTypes, writeModule } from './helpers.js';

let object: Uint8Array;
let spec: ObjectSpec;
let text: string;
let types: GeneratedTypes;

before(async () => {
  object = new Uint8Array(readFileSync(await compileBpf(fixture('gen/kinds.bpf.c'), 'gen-kinds')));
  spec = new ObjectSpec(object);
  const path = join(GEN_DIR, 'unit/kinds.ts');
  text = writeModule(path, { object, source: 'kinds.bpf.o' });
  types = new GeneratedTypes(path);
});

/** The body of `export interface name { … }` as trimmed lines. */
function members(name: string): string[] {
  const m = new RegExp(`^export interface ${name} \\{\\n([\\s\\S]*?)\\n\\}`, 'm').exec(text);
  assert.ok(m, `no interface ${name}`);
  return m[1].split('\n').map((l) => l.trim());
}

test('the generated module type-checks under the repository settings', () => {
  assert.deepEqual(types.diagnostics(), []);
});

test('event struct: widths, strings, enums, bitfields, nested and anonymous members', () => {
  assert.deepEqual(members('Event'), [
    'u8v: number;',
    's8v: number;',
    'u16v: number;',
    's32v: number;',
    'u64v: bigint;',
    's64v: bigint;',
    'wide: bigint;',
    'on: boolean;',
    'f: number;',
    'd: number;',
    'comm: string;',
    'bytes: string;',
    'vals: number[];',
    'bigs: bigint[];',
    'ptr: bigint;',
    'state: State | number;',
    'states: (State | number)[];',
    'a: number;',
    'b: number;',
    'flag: number;',
    'pt: Point;',
    'pts: Point[];',
    'u: number;',
    'i: number;',
    'half: { lo: number; hi: number };',
    'sz: SizeT;',
  ]);
  // The decoder names a value by its first enumerator: ST_RUNNING (= ST_RUN) never comes out.
  assert.match(text, /^export type State = 'ST_IDLE' \| 'ST_RUN' \| 'ST_DEAD';$/m);
  assert.match(text, /^export type StateInput = 'ST_IDLE' \| 'ST_RUN' \| 'ST_RUNNING' \| 'ST_DEAD';$/m);
});

/** Deterministic bytes: zeros, all ones, and a xorshift pattern. */
function patterns(size: number): Uint8Array[] {
  const rand = new Uint8Array(size);
  let x = 0x2545f491;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    rand[i] = x & 0xff;
  }
  return [new Uint8Array(size), new Uint8Array(size).fill(0xff), rand];
}

test('decoded records and map entries have exactly the generated types', () => {
  const btf = spec.btf!;
  const struct = (name: string): number => spec.struct(name)!.id;
  const cases: [string, number][] = [
    ['Event', struct('event')],
    ['ExitEv', struct('exit_ev')],
    ['Key', struct('key')],
    ['Value', struct('value')],
  ];
  for (const [name, id] of cases) {
    const d = decoderFor(btf, id);
    for (const bytes of patterns(d.size))
      assert.deepEqual(types.mismatches(types.type(name), d(bytes)), [], name);
  }
  // A record with known values: enum names, the fallback number, the anonymous union's members.
  const ev = decoderFor(btf, struct('event'))(patterns(btf.sizeof(struct('event')))[0]);
  assert.equal((ev as { state: unknown }).state, 'ST_IDLE');
});

test('the type check is strict: wrong kinds, missing, extra or reordered fields are caught', () => {
  const id = spec.struct('event')!.id;
  const ev = decoderFor<Record<string, unknown>>(spec.btf!, id)(new Uint8Array(spec.btf!.sizeof(id)));
  const event = types.type('Event');
  const { u8v, ...rest } = ev;
  assert.deepEqual(types.mismatches(event, { ...ev, u64v: 1 }), ['$.u64v: bigint does not admit 1']);
  assert.deepEqual(types.mismatches(event, { ...ev, state: 'ST_RUNNING' }), [
    '$.state: number | State does not admit "ST_RUNNING"',
  ]);
  assert.equal(types.mismatches(event, rest).length, 1);
  assert.equal(types.mismatches(event, { ...rest, u8v }).length, 1);
  assert.equal(types.mismatches(event, { ...ev, extra: 1 }).length, 1);
  assert.equal(types.mismatches(event, { ...ev, pts: [{ x: 1 }] }).length, 1);
});

test('global values decode to the GlobalValues types, with their initial values', () => {
  const values = types.type('GlobalValues');
  const names = types.keys(values);
  assert.deepEqual(names, ['target_pid', 'start_state', 'seq', 'verbose', 'label', 'levels', 'cfg', 'hits']);
  for (const g of spec.globals.filter((x) => names.includes(x.name))) {
    const v = decoderFor(spec.btf!, g.type)(g.initial);
    assert.deepEqual(types.mismatches(types.property(values, g.name), v, g.name), [], g.name);
  }
  assert.equal(types.show(types.property(values, 'cfg')), 'Config');
  assert.deepEqual(members('Config'), ['level: number;', 'mask: bigint;', 'bit: number;', 'name: string;']);
});

test('globals options: what encode.ts accepts, bitfields left out, statics and markers absent', () => {
  assert.deepEqual(
    members('Globals').filter((l) => !l.startsWith('/**') && !l.startsWith('*')),
    [
      'target_pid?: number | bigint;',
      'start_state?: StateInput | number | bigint;',
      'seq?: number | bigint;',
      'verbose?: boolean;',
      'label?: string;',
      'levels?: readonly (number | bigint)[];',
      'cfg?: ConfigInput;',
      'hits?: number | bigint;',
    ],
  );
  assert.deepEqual(members('ConfigInput'), [
    'level?: number | bigint;',
    'mask?: number | bigint;',
    'name?: string;',
  ]);
  // Values of those types encode (a name that is only an alias included).
  const btf = spec.btf!;
  const values: Record<string, Encodable> = {
    start_state: 'ST_RUNNING',
    seq: 1n << 63n,
    label: 'x',
    levels: [1, 2n],
    cfg: { level: -3, mask: 4n, name: 'n' },
  };
  for (const [name, v] of Object.entries(values)) {
    const g = spec.globals.find((x) => x.name === name)!;
    assert.doesNotThrow(() => encodeValue(btf, g.type, v, name), name);
  }
});

test('maps typed by key and value; per-CPU values are arrays; maps without BTF are bytes', () => {
  assert.deepEqual(
    members('Maps').filter((l) => l.startsWith('readonly')),
    [
      'readonly counts: TypedMap<number, bigint[], number | bigint, readonly (number | bigint)[]>;',
      'readonly seen: TypedMap<Key, Value, KeyInput, ValueInput>;',
      'readonly events: TypedMap<Uint8Array, Uint8Array, never, never>;',
      'readonly exits: TypedMap<Uint8Array, Uint8Array, number | bigint, number | bigint>;',
    ],
  );
  assert.deepEqual(
    members('Streams').filter((l) => l.startsWith('readonly')),
    ['readonly events: AsyncIterable<Event>;', 'readonly exits: AsyncIterable<ExitEv>;'],
  );
  assert.match(text, /^ {2}event: Event;$/m);
  assert.deepEqual(
    members('Programs').filter((l) => l.startsWith('readonly')),
    ['readonly on_getppid: GeneratedProgram;'],
  );
});

test('names: PascalCase, collisions numbered, input forms named after their value form', () => {
  assert.equal(pascalCase('event'), 'Event');
  assert.equal(pascalCase('args_t'), 'ArgsT');
  assert.equal(pascalCase('__u32'), 'U32');
  assert.equal(pascalCase('9lives'), 'T9lives');
  assert.equal(pascalCase('__'), 'Anon');
  const t = new NameTable();
  t.reserve('Globals');
  assert.deepEqual(
    [t.allocate('Globals'), t.allocate('Map'), t.allocate('Event'), t.allocate('Event')],
    ['Globals2', 'Map2', 'Event', 'Event2'],
  );
  // struct globals meets the module's own Globals; foo_bar and foo__bar both PascalCase to FooBar.
  assert.deepEqual(members('Value'), ['g: Globals2;', 'fb: FooBar;', 'fb2: FooBar2;']);
  assert.deepEqual(members('ValueInput'), ['g?: Globals2Input;', 'fb?: FooBarInput;', 'fb2?: FooBar2Input;']);
});

test('doc comments cannot be closed early; long ones wrap; keys are quoted only when needed', () => {
  assert.equal(tsdoc(['a */ b']), '/** a *\\/ b */\n');
  assert.equal(tsdoc([undefined, ' ']), '');
  assert.equal(tsdoc(['one', 'two'], '  '), '  /**\n   * one\n   *\n   * two\n   */\n');
  const long = tsdoc(['word '.repeat(40)]);
  assert.ok(long.split('\n').every((l) => l.length <= 110));
  assert.equal(propertyKey('pid'), 'pid');
  assert.equal(propertyKey("it's"), "'it\\'s'");
});

test('output: header, imports, embedded object; the same input gives the same bytes', () => {
  const lines = text.split('\n');
  assert.equal(lines[0], '// generated by bpfkit gen from kinds.bpf.o; do not edit');
  const again = generateModule({ object, source: '/elsewhere/kinds.bpf.o' }, { importFrom: 'bpfkit' });
  assert.match(again, /^} from 'bpfkit';$/m);
  assert.equal(generateModule({ object, source: 'kinds.bpf.o' }, { importFrom: 'bpfkit' }), again);
  // The embedded object is the input, gzip + base64.
  const m = /object: \[\n([\s\S]*?)\n {2}\]\.join\(''\)/.exec(text);
  assert.ok(m);
  const b64 = m[1].replace(/[\s',]/g, '');
  assert.deepEqual(new Uint8Array(gunzipSync(Buffer.from(b64, 'base64'))), object);
});

test('doc comments of a C source become TSDoc (built first)', async () => {
  const input = await readGenInput(fixture('gen/kinds.bpf.c'), { env: testEnv() });
  const doc = generateModule(input);
  assert.match(
    doc,
    / {2}\/\*\*\n {3}\* The process whose getppid\(\) calls send events\n {3}\*\n {3}\* `const volatile __u32 target_pid` in \.rodata, initially `0`\.\n {3}\*\/\n {2}target_pid\?: number \| bigint;/,
  );
  assert.match(doc, /\/\*\* The state every event carries \*\/\n {2}readonly start_state: State \| number;/);
  assert.match(doc, /^\/\/ generated by bpfkit gen from kinds\.bpf\.c; do not edit$/m);
});
