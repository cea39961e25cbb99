/**
 * A printf subset for the tools' table output, so header and row formats can be written exactly as
 * the C peers' formats are documented (`%-6d %-16s %3d %3d `). Supported: `%%` and conversions
 * d i u o x s f, with flags `-` and `0`, a width (or `*`) and a precision (`.N`). No kernel needed.
 *
 * Written by hand: a row is formatted per traced event, so each format is parsed once into a list of
 * small closures (`formatter`) and the hot path does no regular-expression work.
 */

/** A value printf can format. */
export type PrintfArg = string | number | bigint;

/** A parsed format: formats its arguments like C's printf; missing arguments print as ''. */
export type Formatter = (args: readonly PrintfArg[]) => string;

/** One conversion: takes the next argument (and the width, for `*`) and returns its text. */
type Conversion = (args: readonly PrintfArg[], at: number) => [text: string, used: number];

const SPEC = /%([-0]*)(\*|\d+)?(?:\.(\d+))?([diuoxsf%])/g;
const cache = new Map<string, Formatter>();

/** Formats `args` by `format` like C's printf with the subset above; missing arguments print as ''. */
export function sprintf(format: string, ...args: PrintfArg[]): string {
  return formatter(format)(args);
}

/** The formatter of `format`, parsed on first use and kept (formats are the tools' literals). */
export function formatter(format: string): Formatter {
  let f = cache.get(format);
  if (!f) {
    f = compile(format);
    cache.set(format, f);
  }
  return f;
}

function compile(format: string): Formatter {
  // literals[i] is the text before conversions[i]; the last literal ends the format.
  const literals: string[] = [];
  const conversions: Conversion[] = [];
  let pending = '';
  let last = 0;
  for (const m of format.matchAll(SPEC)) {
    const [whole, flags, width, prec, conv] = m as unknown as [
      string,
      string,
      string | undefined,
      string | undefined,
      string,
    ];
    pending += format.slice(last, m.index);
    last = m.index + whole.length;
    if (conv === '%') pending += '%';
    else {
      literals.push(pending);
      pending = '';
      conversions.push(conversion(flags, width, prec, conv));
    }
  }
  literals.push(pending + format.slice(last));
  if (conversions.length === 0) return () => literals[0];
  return (args) => {
    let out = literals[0];
    let at = 0;
    for (let i = 0; i < conversions.length; i++) {
      const [text, used] = conversions[i](args, at);
      at += used;
      out += text + literals[i + 1];
    }
    return out;
  };
}

function conversion(
  flags: string,
  width: string | undefined,
  prec: string | undefined,
  conv: string,
): Conversion {
  const left = flags.includes('-');
  const zero = flags.includes('0') && !left && conv !== 's';
  const p = prec === undefined ? undefined : Number(prec);
  if (width === '*')
    return (args, at) => [pad(convert(conv, args[at + 1], p), Number(args[at]), left, zero), 2];
  const w = width ? Number(width) : 0;
  return (args, at) => [pad(convert(conv, args[at], p), w, left, zero), 1];
}

function convert(conv: string, v: PrintfArg | undefined, prec: number | undefined): string {
  if (v === undefined) return '';
  switch (conv) {
    case 's': {
      const s = typeof v === 'string' ? v : String(v);
      return prec === undefined ? s : s.slice(0, prec);
    }
    case 'f':
      return Number(v).toFixed(prec ?? 6);
    case 'o':
      return unsigned(v, 8);
    case 'x':
      return unsigned(v, 16);
    case 'u':
      return unsigned(v, 10);
    default:
      return typeof v === 'bigint' ? v.toString() : String(Math.trunc(Number(v)));
  }
}

const TWO_32 = 2 ** 32;

/** C's unsigned view of a (32-bit when it fits) integer in `radix`, e.g. -1 → 4294967295. */
function unsigned(v: PrintfArg, radix: number): string {
  if (typeof v !== 'bigint') {
    const n = Math.trunc(Number(v));
    if (n >= 0 && Number.isSafeInteger(n)) return n.toString(radix);
    if (n < 0 && n >= -(2 ** 31)) return (n + TWO_32).toString(radix);
  }
  const b = typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
  if (b >= 0n) return b.toString(radix);
  return (b >= -(1n << 31n) ? b + (1n << 32n) : b + (1n << 64n)).toString(radix);
}

function pad(s: string, width: number, left: boolean, zero: boolean): string {
  if (s.length >= width) return s;
  if (left) return s.padEnd(width);
  if (!zero) return s.padStart(width);
  const neg = s.startsWith('-');
  const digits = neg ? s.slice(1) : s;
  return (neg ? '-' : '') + digits.padStart(width - (neg ? 1 : 0), '0');
}
