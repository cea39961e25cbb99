/**
 * Text histograms in exactly the layout of libbpf-tools (trace_helpers.c print_log2_hist and
 * print_linear_hist), so output of bpfkit tools reads and diffs like runqlat/biolatency output.
 * Pure formatting: slots come from a map the caller read.
 */

/** A slot count; bigints are accepted for 64-bit counters. */
export type Slot = number | bigint;

const MASK64 = (1n << 64n) - 1n;

/** `width` characters: '*' in proportion to val/valMax (integer division, as the C code), then spaces. */
function stars(val: bigint, valMax: bigint, width: number): string {
  const n = Number(((val < valMax ? val : valMax) * BigInt(width)) / valMax);
  return '*'.repeat(n) + ' '.repeat(width - n) + (val > valMax ? '+' : '');
}

/** Signed 64-bit decimal of a u64 bit pattern (what printf %lld shows). */
function lld(v: bigint): string {
  return BigInt.asIntN(64, v & MASK64).toString();
}

function scan(slots: readonly Slot[]): { vals: bigint[]; first: number; last: number; max: bigint } {
  const vals = slots.map((v) => BigInt(v));
  let first = -1;
  let last = -1;
  let max = 0n;
  vals.forEach((v, i) => {
    if (v > 0n) {
      last = i;
      if (first < 0) first = i;
    }
    if (v > max) max = v;
  });
  return { vals, first, last, max };
}

/**
 * A power-of-two histogram: slot i counts values in [2^i, 2^(i+1)) (slot 0 also holds 0), printed
 * from slot 0 to the last non-empty slot, zero rows included; '' when every slot is empty.
 * `valType` labels the value column ("usecs", "msecs", "kbytes"). Layout switches to wide columns
 * past slot 32, as libbpf-tools does.
 */
export function printLog2Hist(slots: readonly Slot[], valType: string): string {
  const { vals, last, max } = scan(slots);
  if (last < 0) return '';
  const narrow = last <= 32;
  const starsWidth = narrow ? 40 : 20;
  const width = narrow ? 10 : 20;
  let out = `${' '.repeat(narrow ? 5 : 15)}${valType.padEnd(narrow ? 19 : 29)} : count    distribution\n`;
  for (let i = 0; i <= last; i++) {
    // Bounds are computed in u64 like the C code (the shift count wraps at 64 on x86).
    const top = (1n << BigInt((i + 1) & 63)) & MASK64;
    let low = top >> 1n;
    const high = (top - 1n) & MASK64;
    if (low === high) low = (low - 1n) & MASK64;
    const val = vals[i];
    out += `${lld(low).padStart(width)} -> ${lld(high).padEnd(width)} : ${val.toString().padEnd(8)} |`;
    out += `${stars(val, max, starsWidth)}|\n`;
  }
  return out;
}

/**
 * A linear histogram: slot i counts values in [base + i*step, base + (i+1)*step). Only non-empty
 * slots between the first and last non-empty one are printed; '' when every slot is empty.
 */
export function printLinearHist(slots: readonly Slot[], base: number, step: number, valType: string): string {
  const { vals, first, last, max } = scan(slots);
  if (last < 0) return '';
  let out = `     ${valType.padEnd(13)} : count     distribution\n`;
  for (let i = first; i <= last; i++) {
    const val = vals[i];
    if (val === 0n) continue;
    out += `        ${String(base + i * step).padEnd(10)} : ${val.toString().padEnd(8)} |${stars(val, max, 40)}|\n`;
  }
  return out;
}
