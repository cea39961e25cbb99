/**
 * Must-show 5: `bpfkit export --otlp` pushes the same metrics with the OpenTelemetry JS SDK over
 * OTLP/HTTP to a loopback receiver written here: the opensnoop counter arrives with the number of
 * opens this test made, as a cumulative monotonic sum, and the resource says host.name and
 * service.name=bpfkit. Needs root and `npm run build`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pkg, scratchDir, sleep, startExporter, type RunningExporter } from './helpers.js';
import {
  attrs,
  startReceiver,
  type OtlpMetric,
  type OtlpPoint,
  type OtlpRequest,
  type Receiver,
} from './otlp-receiver.js';

test('the opensnoop counter reaches an OTLP/HTTP receiver with its value and resource', async () => {
  const [dir, clean] = scratchDir('otlp');
  const config = join(dir, 'metrics.yaml');
  writeFileSync(
    config,
    `programs:
  - name: opensnoop
    package: ${await pkg('opensnoop')}
    options: { pid_target: ${process.pid} }
    metrics:
      counters:
        - name: opens_total
          help: Opens by file
          labels: [{ name: filename, from: fname }]
`,
  );
  let receiver: Receiver | undefined;
  let exporter: RunningExporter | undefined;
  try {
    receiver = await startReceiver();
    const env = { ...process.env, OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'cumulative' };
    exporter = await startExporter(config, ['--otlp', receiver.url, '--otlp-interval', '0.3'], { env });
    const file = join(dir, `pushed-${process.pid}`);
    for (let i = 0; i < 3; i++) closeSync(openSync(file, 'w'));
    let point: OtlpPoint | undefined;
    let request: OtlpRequest | undefined;
    for (let t = 0; t < 100 && Number(point?.asDouble ?? point?.asInt) !== 3; t++) {
      await sleep(100);
      request = receiver.requests.at(-1);
      const metric: OtlpMetric | undefined = request?.resourceMetrics[0]?.scopeMetrics
        .flatMap((s) => s.metrics)
        .find((m) => m.name === 'opens_total');
      point = metric?.sum?.dataPoints.find((p) => attrs(p.attributes).filename === file);
      if (metric?.sum) {
        assert.equal(metric.sum.isMonotonic, true);
        assert.equal(metric.sum.aggregationTemporality, 2, 'cumulative');
      }
    }
    assert.equal(Number(point?.asDouble ?? point?.asInt), 3, 'the counter value');
    const resource = attrs(request!.resourceMetrics[0].resource.attributes);
    assert.equal(resource['service.name'], 'bpfkit');
    assert.equal(resource['host.name'], hostname());
    const names = request!.resourceMetrics[0].scopeMetrics.flatMap((s) => s.metrics.map((m) => m.name));
    assert.ok(names.includes('bpfkit_program_attached'), 'self-metrics too');
  } finally {
    const code = exporter ? await exporter.stop() : 0;
    await receiver?.close();
    clean();
    assert.equal(code, 0, exporter?.run.stderr());
  }
});
