/**
 * `Exporter`: runs every program a config names and turns what they report into metrics, served at
 * `/metrics` (and pushed over OTLP when asked). Start-up order: bind the HTTP port (a taken port
 * fails before anything touches the kernel), open each program and check its metrics against its
 * BTF, load and attach them all, start the event streams, turn BPF statistics on; any failure
 * undoes what was done and throws one located error. A program that fails later (a map that cannot
 * be read) is reported by `bpfkit_program_attached 0` while the others keep exporting. A library
 * feature: it never installs signal handlers, prints or exits; `log` receives its messages. Needs
 * root (or CAP_BPF + CAP_PERFMON) and kernel BTF.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { ExportConfig } from './config-types.js';
import type { DecoderEnv } from './decoders.js';
import { Exposition, type Format } from './exposition.js';
import { HistogramState, type MetricFamily } from './families.js';
import type { OtlpPush } from './otlp.js';
import { ExportedProgram } from './program.js';
import { SCRAPE_BOUNDS, selfFamilies, type MetricState } from './self-metrics.js';
import { DEFAULT_LISTEN, serve, type Listening } from './server.js';
import { enableBpfStats, type ToolLoader } from './source.js';

/** How to run an exporter. */
export interface ExporterOptions {
  /** host:port to serve on (default: the config's `listen`, else 127.0.0.1:8526). */
  listen?: string;
  /** Push over OTLP/HTTP as well. */
  otlp?: {
    /** OTLP/HTTP base URL, e.g. "http://127.0.0.1:4318" (metrics go to /v1/metrics). */
    endpoint: string;
    /** Milliseconds between pushes (default: OTEL_METRIC_EXPORT_INTERVAL, else 10000). */
    intervalMs?: number;
  };
  /** Receives informational lines and warnings (default: dropped). */
  log?: (line: string, level: 'info' | 'warn') => void;
  /** Resolves `tool:` programs (built-in tools). */
  loadTool?: ToolLoader;
  /** Host tables for label decoders (tests). */
  env?: DecoderEnv;
  /** Turn the kernel's BPF run-time statistics on while exporting (default true). */
  bpfStats?: boolean;
}

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** A running exporter; stop() it. */
export class Exporter {
  private readonly exposition = new Exposition();
  private readonly families: MetricFamily[] = [];
  private readonly scrapes = new HistogramState(SCRAPE_BOUNDS);
  private programs: ExportedProgram[] = [];
  private server?: Listening;
  private otlp?: OtlpPush;
  private stats?: { enabled: boolean; close(): void };
  private ready = false;
  private stopping?: Promise<void>;
  private readonly log: (line: string, level?: 'info' | 'warn') => void;

  private constructor(
    /** The config it runs, as loadConfig() read it. */
    readonly config: ExportConfig,
    private readonly opts: ExporterOptions,
  ) {
    this.log = (line, level = 'info') => opts.log?.(line, level);
  }

  /** Starts an exporter for `config`; resolves once everything is attached and served. */
  static async start(config: ExportConfig, opts: ExporterOptions = {}): Promise<Exporter> {
    const x = new Exporter(config, opts);
    try {
      await x.init();
    } catch (e) {
      await x.stop();
      throw e;
    }
    return x;
  }

  /** Where /metrics is served, e.g. http://127.0.0.1:8526. */
  get url(): string {
    return this.server!.url;
  }

  /** The programs, in config order. */
  get running(): readonly ExportedProgram[] {
    return this.programs;
  }

  private async init(): Promise<void> {
    const { config, opts } = this;
    const origin = opts.listen
      ? '--listen'
      : config.listen
        ? `listen: in ${config.file}`
        : 'the default address';
    this.server = await serve(opts.listen ?? config.listen ?? DEFAULT_LISTEN, origin, {
      metrics: (f) => this.scrape(f),
      health: () => this.health(),
    });
    for (const p of config.programs)
      this.programs.push(await ExportedProgram.build(p, config.locator, opts.env, opts.loadTool));
    const took: number[] = [];
    for (const p of this.programs) {
      const t0 = performance.now();
      try {
        p.start();
      } catch (e) {
        throw config.locator.error(p.cfg.at, `program '${p.name}': ${(e as Error).message}`);
      }
      took.push(performance.now() - t0);
    }
    this.programs.forEach((p, i) =>
      this.log(`Running program ${p.name} (attached in ${Math.round(took[i])} ms)`),
    );
    this.stats = opts.bpfStats === false ? { enabled: false, close() {} } : enableBpfStats();
    this.setupFamilies();
    // The OpenTelemetry SDK is loaded only when asked for (it costs tens of ms to import).
    if (opts.otlp)
      this.otlp = new (await import('./otlp.js')).OtlpPush({
        ...opts.otlp,
        families: () => this.families,
        refresh: () => this.refresh(),
        version: VERSION,
      });
    this.ready = true;
    this.log(`Listening on ${this.server.url}`);
  }

  private setupFamilies(): void {
    for (const p of this.programs) {
      for (const ms of p.eventMetrics.values()) this.families.push(...ms);
      for (const ms of p.mapMetrics.values()) for (const m of ms) this.families.push(...m.families);
    }
    const metricStates = (): MetricState[] =>
      this.programs.flatMap((p) => [
        ...[...p.eventMetrics.values()]
          .flat()
          .map((m) => ({ name: m.name, dropped: m.table.dropped, series: m.table.size })),
        ...[...p.mapMetrics.values()]
          .flat()
          .flatMap((m) =>
            m.families.map((f) => ({ name: f.name, dropped: m.dropped, series: m.table.size })),
          ),
      ]);
    this.families.push(
      ...selfFamilies({
        programs: () => this.programs,
        metrics: metricStates,
        scrapes: this.scrapes,
        statsEnabled: () => this.stats?.enabled ?? false,
        version: VERSION,
      }),
    );
    for (const f of this.families) this.exposition.add(f);
  }

  /** Reads the maps (one batched pass per map) and expires idle series. */
  refresh(): void {
    const now = Date.now();
    for (const p of this.programs) {
      const failed = p.refresh(now);
      if (failed && p.attached) {
        p.fail(failed);
        this.log(
          `program '${p.name}' failed: ${failed} (bpfkit_program_attached 0; the others keep exporting)`,
          'warn',
        );
      }
    }
  }

  /** The /metrics text in `format`; undefined while starting or stopping. */
  async scrape(format: Format): Promise<string | undefined> {
    if (!this.ready) return undefined;
    const t0 = performance.now();
    this.refresh();
    const text = await this.exposition.render(format);
    this.scrapes.observe((performance.now() - t0) / 1000);
    return text;
  }

  /** Pushes to OTLP now (when configured). */
  async flushOtlp(): Promise<void> {
    await this.otlp?.flush();
  }

  private health(): { status: number; body: string } {
    const programs = Object.fromEntries(
      this.programs.map((p) => [p.name, p.attached ? 'attached' : `failed: ${p.failure ?? 'not started'}`]),
    );
    const status = this.ready ? 'ok' : this.stopping ? 'stopping' : 'starting';
    return { status: this.ready ? 200 : 503, body: JSON.stringify({ status, programs }) };
  }

  /** Stops serving and pushing, detaches and frees every program. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.ready = false;
    await Promise.all([this.server?.close(), this.otlp?.stop()]);
    await Promise.all(this.programs.map((p) => p.close()));
    this.stats?.close();
  }
}
