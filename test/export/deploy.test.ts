/**
 * The fleet files without a cluster: the DaemonSet asks for capabilities, not `privileged`, and
 * mounts the host's BTF, tracefs, debugfs and /proc read-only; the ConfigMap's metrics config is
 * valid; the Service carries scrape annotations and the ServiceMonitor scrapes its port;
 * `kubectl kustomize` renders them (when kubectl is installed); the Grafana dashboard only queries
 * metrics the exporter and the example config write.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT } from '../helpers/bpf.js';
import { ConfigSchema } from '../../src/export/config-schema.js';
import { selfFamilies } from '../../src/export/self-metrics.js';
import { HistogramState } from '../../src/export/families.js';

const K8S = join(ROOT, 'deploy/kubernetes');
type Obj = {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: unknown;
  data?: Record<string, string>;
};
const load = (file: string): Obj => parse(readFileSync(join(K8S, file), 'utf8')) as Obj;

interface Container {
  args: string[];
  ports: { name: string; containerPort: number }[];
  securityContext: { privileged: boolean; capabilities: { add: string[]; drop: string[] } };
  volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[];
}

test('the DaemonSet: capabilities instead of privileged, read-only host mounts', () => {
  const ds = load('daemonset.yaml') as Obj & {
    spec: {
      template: {
        spec: { containers: Container[]; volumes: { name: string; hostPath?: { path: string } }[] };
      };
    };
  };
  assert.equal(ds.kind, 'DaemonSet');
  const pod = ds.spec.template.spec;
  const [c] = pod.containers;
  assert.equal(c.securityContext.privileged, false);
  assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
  assert.deepEqual(c.securityContext.capabilities.add.sort(), ['BPF', 'PERFMON', 'SYS_RESOURCE']);
  assert.deepEqual(c.args.slice(0, 1), ['export']);
  assert.ok(c.args.includes('--listen'));
  const hostPaths = new Map(pod.volumes.filter((v) => v.hostPath).map((v) => [v.name, v.hostPath!.path]));
  for (const path of ['/sys/kernel/btf', '/sys/kernel/tracing', '/sys/kernel/debug', '/proc']) {
    const vol = [...hostPaths].find(([, p]) => p === path)?.[0];
    assert.ok(vol, `a hostPath volume of ${path}`);
    const mount = c.volumeMounts.find((m) => m.name === vol);
    assert.equal(mount?.readOnly, true, `${path} mounted read-only`);
  }
  assert.equal(c.ports[0].name, 'metrics');
});

test('the ConfigMap holds a valid metrics config', () => {
  const cm = load('configmap.yaml');
  const config = parse(cm.data!['metrics.yaml']) as unknown;
  const r = ConfigSchema.safeParse(config);
  assert.ok(r.success, JSON.stringify(r.error?.issues));
});

test('the Service and the ServiceMonitor', () => {
  const svc = load('service.yaml') as Obj & { spec: { ports: { name: string; port: number }[] } };
  assert.equal(svc.metadata.annotations?.['prometheus.io/scrape'], 'true');
  assert.equal(svc.metadata.annotations?.['prometheus.io/port'], String(svc.spec.ports[0].port));
  const sm = load('servicemonitor.yaml') as Obj & { spec: { endpoints: { port: string; path: string }[] } };
  assert.equal(sm.kind, 'ServiceMonitor');
  assert.deepEqual([sm.spec.endpoints[0].port, sm.spec.endpoints[0].path], ['metrics', '/metrics']);
});

test(
  'kubectl kustomize renders the directory',
  { skip: spawnSync('kubectl', ['version', '--client']).status !== 0 },
  () => {
    const r = spawnSync('kubectl', ['kustomize', K8S], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const kinds = parseAllDocuments(r.stdout).map((d) => (d.toJS() as Obj).kind);
    assert.deepEqual(kinds.sort(), [
      'ConfigMap',
      'DaemonSet',
      'Namespace',
      'Service',
      'ServiceAccount',
      'ServiceMonitor',
    ]);
  },
);

test('the Grafana dashboard queries metrics that exist', () => {
  const dash = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/bpfkit-dashboard.json'), 'utf8')) as {
    panels: { type: string; targets?: { expr: string }[] }[];
  };
  const self = selfFamilies({
    programs: () => [],
    metrics: () => [],
    scrapes: new HistogramState([]),
    statsEnabled: () => false,
    version: '',
  }).flatMap((f) =>
    f.kind === 'histogram' ? [`${f.name}_bucket`, `${f.name}_sum`, `${f.name}_count`] : [f.name],
  );
  const examples = ['opens_failed_total', 'runq_latency_seconds_bucket'];
  const known = new Set([...self, ...examples]);
  const exprs = dash.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  assert.ok(exprs.length >= 10);
  for (const e of exprs) {
    const names = [...e.matchAll(/\b([a-z_]+)\{/g)]
      .map((m) => m[1])
      .filter((n) => !['by', 'sum', 'rate', 'max', 'min', 'topk', 'histogram_quantile'].includes(n));
    assert.ok(names.length > 0, e);
    for (const n of names) assert.ok(known.has(n), `${n} in ${e}`);
  }
});
