/**
 * One configured program inside the exporter: its handle (source.ts), the metrics built against its
 * BTF (event metrics grouped by event map, map metrics grouped by map so each map is read once per
 * scrape), its event subscriptions, and the state the self-metrics report (attached, errors).
 * Building checks the config against the object and raises located ConfigErrors before anything is
 * loaded into the kernel.
 */
import type { ConfigLocator } from './config.js';
import type { EventMetricConfig, ProgramConfig } from './config-types.js';
import type { DecoderEnv } from './decoders.js';
import { EventMetric, type EventStats } from './event-metrics.js';
import { MapMetric } from './map-metrics.js';
import type { ProgramState } from './self-metrics.js';
import { ProgramHandle, type EventSubscription, type ProgStats, type ToolLoader } from './source.js';

/** A program of the config with its metrics. */
export class ExportedProgram implements ProgramState {
  readonly name: string;
  attached = false;
  /** Why it stopped (once it failed). */
  failure?: string;
  readonly stats: EventStats = { decodeErrors: 0 };
  readonly mapReadErrors = new Map<string, number>();
  readonly eventMetrics = new Map<string, EventMetric[]>();
  readonly mapMetrics = new Map<string, MapMetric[]>();
  private readonly subs = new Map<string, EventSubscription>();

  private constructor(
    readonly cfg: ProgramConfig,
    readonly handle: ProgramHandle,
  ) {
    this.name = cfg.name;
  }

  /** Opens the program's target and builds its metrics (nothing is loaded yet). */
  static async build(
    cfg: ProgramConfig,
    loc: ConfigLocator,
    env?: DecoderEnv,
    loadTool?: ToolLoader,
  ): Promise<ExportedProgram> {
    const handle = await ProgramHandle.open(cfg, loc, loadTool);
    const p = new ExportedProgram(cfg, handle);
    try {
      if (!handle.btf && (cfg.events.length || cfg.maps.length))
        throw loc.error(
          cfg.at,
          `the object of program '${cfg.name}' has no BTF: its events and maps cannot be decoded`,
        );
      for (const m of cfg.events) p.addEventMetric(m, loc, env);
      for (const m of cfg.maps) {
        const shape = handle.mapShape(m.map);
        if (!shape)
          throw loc.error(
            [...m.at, 'map'],
            `program '${cfg.name}' has no map '${m.map}' (maps: ${handle.mapNames().join(', ')})`,
          );
        const metric = new MapMetric(m, shape, loc, p.stats, env);
        p.mapMetrics.set(m.map, [...(p.mapMetrics.get(m.map) ?? []), metric]);
      }
    } catch (e) {
      await handle.close();
      throw e;
    }
    return p;
  }

  private addEventMetric(m: EventMetricConfig, loc: ConfigLocator, env?: DecoderEnv): void {
    const maps = this.handle.eventMaps();
    const names = maps.map((x) => x.name).join(', ');
    if (maps.length === 0)
      throw loc.error(
        m.at,
        `program '${this.name}' has no ring buffer or perf event array to take events from`,
      );
    if (m.events === undefined && maps.length > 1)
      throw loc.error(
        m.at,
        `program '${this.name}' has several event maps (${names}): say which with events:`,
      );
    const map = m.events === undefined ? maps[0] : maps.find((x) => x.name === m.events);
    if (!map)
      throw loc.error(
        [...m.at, 'events'],
        `program '${this.name}' has no event map '${m.events}' (event maps: ${names})`,
      );
    if (map.typeId === undefined)
      throw loc.error(
        this.cfg.at,
        `no event type is known for map '${map.name}' of program '${this.name}' (give event_type: <struct>, or mark it with BPFKIT_EVENT(struct …) from bpfkit.h)`,
      );
    const describe = `struct ${map.typeName} of map '${map.name}'`;
    const metric = new EventMetric(
      m,
      { btf: this.handle.btf!, typeId: map.typeId, describe },
      loc,
      this.stats,
      env,
    );
    this.eventMetrics.set(map.name, [...(this.eventMetrics.get(map.name) ?? []), metric]);
  }

  /** Loads and attaches the program, then starts its event subscriptions. */
  start(): void {
    this.handle.loadAndAttach();
    for (const [map, metrics] of this.eventMetrics) {
      const typeId = this.handle.eventMaps().find((x) => x.name === map)!.typeId!;
      const observe = (rec: Parameters<EventMetric['observe']>[0]): void => {
        const now = Date.now();
        for (const m of metrics) m.observe(rec, now);
      };
      // Lost records are counted by the reader itself (stats.lost).
      const sub = this.handle.subscribe(
        map,
        typeId,
        observe,
        () => this.stats.decodeErrors++,
        () => {},
      );
      this.subs.set(map, sub);
    }
    this.attached = true;
  }

  /** Event-map counters for the self-metrics. */
  get events(): { map: string; received: number; lost: number }[] {
    return [...this.subs].map(([map, s]) => ({ map, received: s.stats.records, lost: s.stats.lost }));
  }

  get decodeErrors(): number {
    return this.stats.decodeErrors;
  }

  progStats(): ProgStats[] {
    return this.handle.progStats();
  }

  /**
   * Reads every metric map once and refreshes the map metrics, and expires idle event series.
   * Returns the reason when a read failed (the program is then considered failed).
   */
  refresh(now: number): string | undefined {
    for (const metrics of this.eventMetrics.values()) for (const m of metrics) m.table.expire(now);
    if (!this.attached) return undefined;
    for (const [map, metrics] of this.mapMetrics) {
      let rows;
      try {
        rows = this.handle.readMap(map);
      } catch (e) {
        this.mapReadErrors.set(map, (this.mapReadErrors.get(map) ?? 0) + 1);
        return `reading map '${map}': ${(e as Error).message}`;
      }
      for (const m of metrics) m.update(rows, now);
    }
    return undefined;
  }

  /** Marks the program failed (it stays in the metrics with bpfkit_program_attached 0). */
  fail(reason: string): void {
    this.attached = false;
    this.failure = reason;
  }

  /** Stops the subscriptions, detaches and frees the program. */
  close(): Promise<void> {
    this.attached = false;
    return this.handle.close();
  }
}
