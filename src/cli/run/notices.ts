/**
 * What `bpfkit run` tells on stderr while it streams: records the kernel dropped (perf ring overflows,
 * failed ring-buffer reserves) and records it could not decode. Plain lines, or one JSON object per
 * line with --json so that a consumer of the JSON stream parses stderr the same way:
 *
 *   lost 3 events on CPU #1                       {"notice":"lost","map":"events","cpu":1,"count":3}
 *   lost 5 events                                 {"notice":"lost","map":"rb","count":5}   (ring buffer)
 *   bpfkit: map 'events': skipped a malformed record (…)
 *                                                 {"notice":"malformed","map":"events","count":1,…}
 *
 * A stream of bad records must not flood the terminal: the first one of a map is told at once with
 * the reason, later ones are summed into at most one line per second (and a last one at close()).
 */

/** Where notice lines go (default: stderr). */
export type LineSink = (line: string) => void;

const SUMMARY_MS = 1000;

/** Notices of one run. */
export class RunNotices {
  private readonly json: boolean;
  private readonly write: LineSink;
  /** Malformed records per map not told yet; a map is present once its first one was told. */
  private readonly pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(json: boolean, write: LineSink = (line) => process.stderr.write(line)) {
    this.json = json;
    this.write = write;
  }

  /**
   * `count` records of `map` lost (the kernel could not store them): on one CPU's perf ring, or, with
   * `cpu` undefined, in a ring buffer (one ring for every CPU).
   */
  lost(map: string, cpu: number | undefined, count: number): void {
    const on = cpu === undefined ? '' : ` on CPU #${cpu}`;
    this.write(
      this.json
        ? `{"notice":"lost","map":${JSON.stringify(map)},${cpu === undefined ? '' : `"cpu":${cpu},`}"count":${count}}\n`
        : `lost ${count} events${on}\n`,
    );
  }

  /** A record of `length` bytes from `map` that could not be decoded (`error` says why); skipped. */
  malformed(map: string, length: number, error: unknown): void {
    const seen = this.pending.get(map);
    if (seen !== undefined) {
      this.pending.set(map, seen + 1);
      this.timer ??= setTimeout(() => this.summarize(), SUMMARY_MS).unref();
      return;
    }
    this.pending.set(map, 0);
    const why = error instanceof Error ? error.message : String(error);
    this.write(
      this.json
        ? `{"notice":"malformed","map":${JSON.stringify(map)},"count":1,"bytes":${length},"error":${JSON.stringify(why)}}\n`
        : `bpfkit: map '${map}': skipped a malformed record: ${why}\n`,
    );
  }

  /** Tells what is still pending and stops the summary timer. */
  close(): void {
    this.summarize();
  }

  private summarize(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const [map, n] of this.pending) {
      if (n === 0) continue;
      this.pending.set(map, 0);
      this.write(
        this.json
          ? `{"notice":"malformed","map":${JSON.stringify(map)},"count":${n}}\n`
          : `bpfkit: map '${map}': skipped ${n} more malformed record${n === 1 ? '' : 's'}\n`,
      );
    }
  }
}
