/**
 * The exporter config without a kernel: eunomia-exporter's shape normalized, defaults, bucket
 * layouts, and errors that name the file, line, column and key (schema errors, YAML errors, and
 * the checks the schema cannot express).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseConfig } from '../../src/export/config.js';
import { parseListen } from '../../src/export/server.js';
import { scratchDir } from './helpers.js';

const [dir, clean] = scratchDir('config');
process.on('exit', clean);
const PKG = join(dir, 'opensnoop.bpfkit.json');
writeFileSync(PKG, '{}');
const FILE = join(dir, 'metrics.yaml');

/** Parses `yaml` as if it were metrics.yaml in the scratch dir. */
const parse = (yaml: string): ReturnType<typeof parseConfig> => parseConfig(yaml, FILE);

/** The message of the ConfigError parsing `yaml` throws. */
function fails(yaml: string): string {
  try {
    parse(yaml);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.message.replace(`${FILE}:`, '').trimStart();
  }
  assert.fail('no error');
}

const prog = (metrics: string, extra = ''): string =>
  `programs:\n  - name: p\n    package: ${PKG}\n${extra}    metrics:\n${metrics}`;

test("eunomia-exporter's tutorial config: package.json falls back to <name>.bpfkit.json", () => {
  const c = parse(`programs:
  - name: opensnoop
    ebpf_data: ""
    compiled_ebpf_filename: package.json
    metrics:
      counters:
        - name: eunomia_file_open_counter
          description: test
          labels:
            - name: pid
            - name: comm
            - name: filename
              from: fname
`);
  const [p] = c.programs;
  assert.deepEqual(p.source, { kind: 'file', path: PKG });
  const [m] = p.events;
  assert.equal(m.kind, 'counter');
  assert.equal(m.help, 'test');
  assert.equal(m.maxSeries, 10_000);
  assert.equal(m.ttlMs, 0);
  assert.deepEqual(
    m.labels.map((l) => [l.name, l.from, l.decoders]),
    [
      ['pid', 'pid', []],
      ['comm', 'comm', []],
      ['filename', 'fname', []],
    ],
  );
});

test('limits, durations and bucket layouts', () => {
  const c = parse(
    `max_series: 50\nseries_ttl: 10m\n${prog(`      histograms:
        - { name: a_seconds, value_from: x, buckets: { exp2: { min: -2, max: 1 } } }
        - { name: b_seconds, value_from: x, buckets: { linear: { start: 0, width: 0.1, count: 4 } }, series_ttl: 1.5 }
        - { name: c_seconds, value_from: x, buckets: [0.5, 1, 2], max_series: 7 }
`)}`,
  );
  const [a, b, m] = c.programs[0].events;
  assert.deepEqual(a.buckets, [0.25, 0.5, 1, 2]);
  assert.deepEqual(b.buckets, [0, 0.1, 0.2, 0.3], 'no floating-point noise');
  assert.deepEqual([a.maxSeries, a.ttlMs, b.ttlMs, m.maxSeries], [50, 600_000, 1500, 7]);
});

test('map metrics: struct values as several metrics, histogram defaults', () => {
  const c = parse(
    prog(`      maps:
        - map: io
          type: counter
          values: [{ name: reads_total, from: reads }, { name: read_bytes_total, from: bytes, help: Bytes }]
        - { map: hists, type: histogram, name: lat_seconds, multiplier: 0.000001 }
`),
  );
  const [io, h] = c.programs[0].maps;
  assert.deepEqual(
    io.values.map((v) => [v.name, v.from, v.help]),
    [
      ['reads_total', 'reads', 'counter reads_total from map io'],
      ['read_bytes_total', 'bytes', 'Bytes'],
    ],
  );
  assert.deepEqual(h.histogram, {
    name: 'lat_seconds',
    help: 'histogram lat_seconds from map hists',
    slots: 'slots',
    sum: undefined,
    layout: { type: 'log2' },
    multiplier: 0.000001,
    overflow: 'last',
  });
});

test('schema errors name line, column and key', () => {
  assert.equal(fails('progams: []\n'), "1:1: progams: unknown key (did you mean 'programs'?)");
  assert.equal(
    fails(prog('      counters:\n        - name: x_total\n          lables: []\n')),
    "7:11: programs[0].metrics.counters[0].lables: unknown key (did you mean 'labels'?)",
  );
  assert.equal(
    fails(prog('      counters:\n        - name: 9x\n')),
    '6:11: programs[0].metrics.counters[0].name: not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)',
  );
  assert.match(
    fails(prog('      counters:\n        - { name: x, max_series: -1 }\n')),
    /^6:22: programs\[0\]\.metrics\.counters\[0\]\.max_series: /,
  );
  assert.equal(fails('programs:\n  - package: x\n'), '2:5: programs[0].name: missing (string expected)');
  assert.match(
    fails(prog('      counters:\n        - { name: x, labels: [{ name: a, decoders: [nope] }] }\n')),
    /^6:53: programs\[0\]\.metrics\.counters\[0\]\.labels\[0\]\.decoders\[0\]: expected a decoder/,
  );
  assert.match(
    fails(prog('      histograms:\n        - { name: h, value_from: v, buckets: {log: 2} }\n')),
    /^6:37: programs\[0\].metrics.histograms\[0\]\.buckets: expected a list of bucket bounds/,
  );
});

test('YAML errors and empty files', () => {
  assert.match(fails('programs:\n  - name: x\n    package: [a, b\n'), /^4:1: malformed YAML: /);
  assert.match(fails('a: 1\na: 2\n'), /^2:1: malformed YAML: Map keys must be unique/);
  assert.equal(fails(''), 'the file is empty (it needs a programs: list)');
  assert.throws(() => loadConfig(join(dir, 'none.yaml')), /none\.yaml: no such file$/);
});

test('checks beyond the schema', () => {
  assert.equal(
    fails(`programs:\n  - name: p\n    package: ${PKG}\n    object: x.o\n`),
    '4:5: programs[0].object: give one of package, object, tool or compiled_ebpf_filename, not package and object',
  );
  assert.equal(
    fails('programs:\n  - name: p\n'),
    '2:5: programs[0]: names no program: give package, object, tool or compiled_ebpf_filename',
  );
  assert.match(
    fails('programs:\n  - name: p\n    object: missing.o\n'),
    /^3:5: programs\[0\]\.object: missing\.o: no such file \(looked in /,
  );
  assert.equal(
    fails(`${prog('')}  - name: p\n    package: ${PKG}\n`),
    "5:5: programs[1].name: a second program named 'p'",
  );
  assert.equal(
    fails(
      prog('      histograms:\n        - { name: h, value_from: v, buckets: [1], labels: [{ name: le }] }\n'),
    ),
    "6:62: programs[0].metrics.histograms[0].labels[0].name: 'le' is the bucket label of histograms",
  );
  assert.equal(
    fails(prog('      counters:\n        - { name: x, labels: [{ name: a }, { name: a }] }\n')),
    "6:46: programs[0].metrics.counters[0].labels[1].name: label 'a' given twice",
  );
  assert.match(
    fails(
      prog(
        "      counters:\n        - { name: x, labels: [{ name: a, decoders: [{ name: regex, match: '(' }] }] }\n",
      ),
    ),
    /^6:68: programs\[0\]\.metrics\.counters\[0\]\.labels\[0\]\.decoders\[0\]\.match: not a valid regular expression: /,
  );
  assert.equal(
    fails(prog('      counters: [{ name: x_total }]\n      gauges: [{ name: x, value_from: v }]\n')),
    "6:18: programs[0].metrics.gauges[0].name: 'x' clashes with metric 'x_total' (both would write x)",
  );
  assert.equal(
    fails(prog('      counters: [{ name: bpfkit_x_total }]\n')),
    "5:20: programs[0].metrics.counters[0].name: 'bpfkit_x_total': names starting with bpfkit_ are the exporter's own",
  );
  assert.equal(
    fails(prog('      histograms: [{ name: h, value_from: v, buckets: [2, 1] }]\n')),
    '5:46: programs[0].metrics.histograms[0].buckets: bucket bounds must increase (2 then 1)',
  );
  assert.equal(
    fails(prog('      maps: [{ map: m, type: histogram, name: h, value: v }]\n')),
    '5:50: programs[0].metrics.maps[0].value: not a histogram setting (use slots and sum)',
  );
  assert.equal(
    fails(prog('      maps: [{ map: m, type: counter, name: c, slots: s }]\n')),
    '5:48: programs[0].metrics.maps[0].slots: only histograms take slots',
  );
  assert.equal(
    fails(prog('      counters: [{ name: c, multiplier: 2 }]\n')),
    '5:29: programs[0].metrics.counters[0].multiplier: a multiplier scales value_from, which is not given',
  );
});

test('listen addresses', () => {
  assert.deepEqual(parseListen('127.0.0.1:8526'), { host: '127.0.0.1', port: 8526 });
  assert.deepEqual(parseListen(':9000'), { host: '0.0.0.0', port: 9000 });
  assert.deepEqual(parseListen('[::1]:9000'), { host: '::1', port: 9000 });
  assert.deepEqual(parseListen('9000'), { host: '127.0.0.1', port: 9000 });
  assert.throws(() => parseListen('localhost'), /is not host:port/);
});
