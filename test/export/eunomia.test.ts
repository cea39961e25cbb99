/**
 * Must-show 3: eunomia-exporter's tutorial config (counter eunomia_file_open_counter, labels pid, comm
 * and filename from fname, `compiled_ebpf_filename: package.json`) runs as written over the
 * opensnoop example built with `bpfkit build`, and label values are plain strings, not JSON-quoted.
 * The same counter from the package given inline (`ebpf_data`). Needs root and `npm run build`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, copyFileSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pkg, scratchDir, scrape, sleep, startExporter, type RunningExporter } from './helpers.js';

/** The tutorial's config.yaml, as written. */
const TUTORIAL_CONFIG = `programs:
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
`;

/** Opens `file` twice and waits for the counter line of this process; returns it. */
async function countedLine(exporter: RunningExporter, file: string): Promise<string> {
  for (let i = 0; i < 2; i++) closeSync(openSync(file, 'w'));
  const want = `eunomia_file_open_counter{pid="${process.pid}",comm="node",filename="${file}"}`;
  for (let i = 0; i < 100; i++) {
    const { text } = await scrape(exporter.url);
    const line = text.split('\n').find((l) => l.startsWith(want));
    if (line?.endsWith(' 2')) return text;
    await sleep(100);
  }
  throw new Error(`no line ${want} 2`);
}

function checkPlain(text: string): void {
  assert.match(text, /^# HELP eunomia_file_open_counter test$/m);
  assert.match(text, /^# TYPE eunomia_file_open_counter counter$/m);
  const lines = text.split('\n').filter((l) => l.startsWith('eunomia_file_open_counter{'));
  assert.ok(lines.length > 0);
  for (const l of lines) assert.doesNotMatch(l, /="\\"/, `no JSON-quoted value: ${l}`);
}

test('the tutorial config runs unchanged over opensnoop built with bpfkit build', async () => {
  const [dir, clean] = scratchDir('eunomia');
  // `bpfkit build opensnoop.bpf.c opensnoop.h` writes opensnoop.bpfkit.json beside the source.
  copyFileSync(await pkg('opensnoop'), join(dir, 'opensnoop.bpfkit.json'));
  writeFileSync(join(dir, 'config.yaml'), TUTORIAL_CONFIG);
  let exporter: RunningExporter | undefined;
  try {
    exporter = await startExporter('config.yaml', [], { cwd: dir });
    checkPlain(await countedLine(exporter, join(dir, `opened-${process.pid}`)));
  } finally {
    const code = exporter ? await exporter.stop() : 0;
    clean();
    assert.equal(code, 0, exporter?.run.stderr());
  }
});

test('the same counter from the package inline (ebpf_data); SIGTERM stops it with status 0', async () => {
  const [dir, clean] = scratchDir('eunomia-inline');
  const inline = readFileSync(await pkg('opensnoop'), 'utf8');
  const config = TUTORIAL_CONFIG.replace('ebpf_data: ""', `ebpf_data: ${JSON.stringify(inline)}`).replace(
    /^ {4}compiled_ebpf_filename: .*\n/m,
    '',
  );
  writeFileSync(join(dir, 'config.yaml'), config);
  let exporter: RunningExporter | undefined;
  try {
    exporter = await startExporter(join(dir, 'config.yaml'));
    checkPlain(await countedLine(exporter, join(dir, `inline-${process.pid}`)));
  } finally {
    const code = exporter ? await exporter.stop('SIGTERM') : 0;
    clean();
    assert.equal(code, 0, exporter?.run.stderr());
  }
});
