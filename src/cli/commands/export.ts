/**
 * `bpfkit export --config metrics.yaml [--listen 127.0.0.1:8526] [--otlp URL]`: runs every program
 * the config names and serves their metrics at /metrics (and /healthz) until Ctrl-C or SIGTERM,
 * then detaches everything and exits 0. The exporter itself lives in src/export; this command owns
 * the signals, the output and the exit. Needs root (or CAP_BPF + CAP_PERFMON).
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors/index.js';
import type { ExportConfig } from '../../export/config-types.js';

interface ExportCliOptions {
  config: string;
  listen?: string;
  otlp?: string;
  otlpInterval?: number;
  verbose?: boolean;
  bpfStats: boolean;
}

/** Registers `export`. */
export function register(program: Command): void {
  program
    .command('export')
    .description('run the programs a config names and serve their metrics (Prometheus, OpenMetrics, OTLP)')
    .requiredOption(
      '-c, --config <file>',
      'the metrics config (YAML; eunomia-exporter configs work as they are)',
    )
    .option('--listen <host:port>', 'where to serve /metrics and /healthz (default 127.0.0.1:8526)')
    .option('--otlp <url>', 'also push over OTLP/HTTP to this collector, e.g. http://127.0.0.1:4318')
    .option(
      '--otlp-interval <seconds>',
      'seconds between OTLP pushes (default 10, or $OTEL_METRIC_EXPORT_INTERVAL ms)',
      seconds,
    )
    .option('--no-bpf-stats', 'do not turn on the kernel BPF run-time statistics while exporting')
    .option('-v, --verbose', "show libbpf's log")
    .action(async (o: ExportCliOptions) => {
      await runExport(o);
    });
}

async function runExport(o: ExportCliOptions): Promise<void> {
  const [{ loadConfig }, { Exporter }, { onStopSignal }, { setLibbpfLog }] = await Promise.all([
    import('../../export/config.js'),
    import('../../export/exporter.js'),
    import('../process.js'),
    import('../../sys/libbpf-log.js'),
  ]);
  if (o.verbose) setLibbpfLog((_level, line) => process.stderr.write(line));
  const config = loadConfig(o.config);
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const offSignal = onStopSignal(() => {
    stop();
    // A collector that does not answer must not hold the exit past a second (objects still get
    // closed: exit runs the cleanup hooks).
    setTimeout(() => process.exit(process.exitCode ?? 0), 900).unref();
  });
  try {
    await serve(o, config, stopped, Exporter);
  } finally {
    offSignal();
    // Nor may whatever a collector connection or the SDK still holds once the exporter stopped.
    setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
  }
}

/** Runs the exporter until `stopped` resolves, then stops it. */
async function serve(
  o: ExportCliOptions,
  config: ExportConfig,
  stopped: Promise<void>,
  Exporter: typeof import('../../export/exporter.js').Exporter,
): Promise<void> {
  const envMs = Number(process.env.OTEL_METRIC_EXPORT_INTERVAL);
  const intervalMs = o.otlpInterval !== undefined ? o.otlpInterval * 1000 : envMs > 0 ? envMs : undefined;
  const exporter = await Exporter.start(config, {
    listen: o.listen,
    otlp: o.otlp ? { endpoint: otlpUrl(o.otlp), intervalMs } : undefined,
    bpfStats: o.bpfStats,
    loadTool: async (name) => (await import('../../tools/package.js')).toolTarget(name),
    log: (line, level) =>
      level === 'warn' ? process.stderr.write(`bpfkit: ${line}\n`) : process.stdout.write(`${line}\n`),
  });
  await stopped;
  await exporter.stop();
}

function otlpUrl(v: string): string {
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
    return v;
  } catch {
    throw new UsageError(`--otlp: '${v}' is not an http(s) URL (e.g. http://127.0.0.1:4318)`);
  }
}

function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--otlp-interval: '${v}' is not a number of seconds`);
  return n;
}
