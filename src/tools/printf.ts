/**
 * A printf subset for the tools' table output, so header and row formats can be written exactly as
 * the C peers' formats are documented (`%-6d %-16s %3d %3d `). Supported: `%%` and conversions
 * d i u o x s f, with flags `-` and `0`, a width (or `*`) and a precision (`.N`). No kernel needed.
 */

/** A value printf can format. */
export type PrintfArg = string | number | bigint;

const SPEC = /%([-0]*)(\*|\d+)?(?:\.(\d+))?([diuoxsf%])/g;

/** Formats `args` by `format` like C's printf with the subset above; missing arguments print as ''. */
export function sprintf(format: string, ...args: PrintfArg[]): string {
  let i = 0;
  return format.replace(
    SPEC,
    (_m, flags: string, width: string | undefined, prec: string | undefined, conv: string) => {
      if (conv === '%') return '%';
      const w = width === '*' ? Number(args[i++]) : width ? Number(width) : 0;
      const v = args[i++];
      const left = flags.includes('-');
      const zero = flags.includes('0') && !left && conv !== 's';
      const body = convert(conv, v, prec === undefined ? undefined : Number(prec));
      return pad(body, w, left, zero);
    },
  );
}

function convert(conv: string, v: PrintfArg | undefined, prec: number | undefined): string {
  if (v === undefined) return '';
  switch (conv) {
    case 's': {
      const s = String(v);
      return prec === undefined ? s : s.slice(0, prec);
    }
    case 'f':
      return Number(v).toFixed(prec ?? 6);
    case 'o':
      return toUnsigned(v).toString(8);
    case 'x':
      return toUnsigned(v).toString(16);
    case 'u':
      return toUnsigned(v).toString(10);
    default:
      return typeof v === 'bigint' ? v.toString() : String(Math.trunc(Number(v)));
  }
}

/** C's unsigned view of a (32-bit when it fits) integer, e.g. -1 → 4294967295. */
function toUnsigned(v: PrintfArg): bigint {
  const b = typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
  if (b >= 0n) return b;
  return b >= -(1n << 31n) ? b + (1n << 32n) : b + (1n << 64n);
}

function pad(s: string, width: number, left: boolean, zero: boolean): string {
  if (s.length >= width) return s;
  if (left) return s.padEnd(width);
  if (!zero) return s.padStart(width);
  const neg = s.startsWith('-');
  const digits = neg ? s.slice(1) : s;
  return (neg ? '-' : '') + digits.padStart(width - (neg ? 1 : 0), '0');
}
