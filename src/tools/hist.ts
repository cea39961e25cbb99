/**
 * Report blocks of histograms for aggregator tools: the text of libbpf-tools' print_log2_hist
 * (src/maps/histogram.ts) under the tool's label line, and the --json object of the same
 * histogram: `{"key": {...}, "unit": "usecs", "buckets": [{"low", "high", "count"}]}`. No kernel needed.
 */
import { printLog2Hist, type Slot } from '../maps/histogram.js';
import type { Decoded } from '../btf/decode.js';
import type { JsonField, ReportBlock } from './types.js';

/** One printed bucket of a log2 histogram: values low..high (inclusive) were seen `count` times. */
export interface Bucket {
  low: number | bigint;
  high: number | bigint;
  count: number | bigint;
}

/** The buckets print_log2_hist shows: slot 0 to the last non-empty one, labelled 0-1, 2-3, 4-7… */
export function log2Buckets(slots: readonly Slot[]): Bucket[] {
  let last = -1;
  slots.forEach((v, i) => {
    if (BigInt(v) > 0n) last = i;
  });
  const out: Bucket[] = [];
  for (let i = 0; i <= last; i++) {
    const high = (1n << BigInt(i + 1)) - 1n;
    const low = i === 0 ? 0n : 1n << BigInt(i);
    const small = (n: bigint): number | bigint => (n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n);
    out.push({ low: small(low), high: small(high), count: slots[i] });
  }
  return out;
}

/**
 * A log2 histogram block: `label` (the peer's "pid = 1 sh\n", "" for none) then the histogram,
 * and its JSON with `key` (e.g. `{"pid": 1, "comm": "sh"}`, `{}` for the global one) and `extra`
 * fields beside it. A histogram with no counts prints nothing, as the peer.
 */
export function log2Block(
  label: string,
  key: Record<string, JsonField>,
  unit: string,
  slots: readonly Slot[],
  extra: Record<string, JsonField> = {},
): ReportBlock {
  const hist = printLog2Hist(slots, unit);
  return {
    text: hist ? label + hist : '',
    json: { key, ...extra, unit, buckets: log2Buckets(slots).map((b) => ({ ...b })) },
  };
}

/** The `slots` array of a decoded histogram value (`struct { __u32 slots[N]; … }`). */
export function slotsOf(value: Decoded): number[] {
  return (value as { slots: number[] }).slots;
}

/** Total of the counts of `slots` (to tell an empty histogram). */
export function slotTotal(slots: readonly Slot[]): bigint {
  return slots.reduce<bigint>((s, v) => s + BigInt(v), 0n);
}
