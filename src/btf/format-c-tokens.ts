/**
 * The fixed pieces of C text the BTF-to-C renderer (format-c-render.ts) writes: indentation, qualifier
 * sets, alignment attributes, scalar and enum base types, and the attribute that gives an enum its BTF
 * size. Tables rather than code where a piece is written for every member (see the note in
 * format-c-render.ts). Kernel-independent.
 */
import { K } from './format-c-table.js';

const TABS: string[] = [''];
/** `n` tabs (indentation of nesting level `n`), built once per level. */
export const tabs = (n: number): string => {
  while (TABS.length <= n) TABS.push(TABS[TABS.length - 1] + '\t');
  return TABS[n];
};

/** Qualifier sets (bit 1 const, 2 volatile, 4 restrict) in C order, so repeats collapse. */
export const QUALS = [
  '',
  'const',
  'volatile',
  'const volatile',
  'restrict',
  'const restrict',
  'volatile restrict',
  'const volatile restrict',
];
/** The QUALS bit of each qualifier kind. */
export const QUAL_BIT: Record<number, number> = { [K.CONST]: 1, [K.VOLATILE]: 2, [K.RESTRICT]: 4 };

/**
 * ` __attribute__((aligned(N)))` by N, '' for 0: the attribute is written for every member through
 * this table rather than behind a (rarely taken) branch. N is a power of two up to a page (others
 * are built on demand).
 */
export const aligned = (a: number): string => ` __attribute__((aligned(${a})))`;
export const ALIGNED: (string | undefined)[] = Array.from({ length: 4097 }, (_, a) =>
  a === 0 ? '' : (a & (a - 1)) === 0 ? aligned(a) : undefined,
);

/** The padding list of a member that needs none (shared, never written to). */
export const NO_PADDING: string[] = [];

/** Integer type names C accepts as they are (BTF may hold compiler-internal ones, e.g. gcc's `ssizetype`). */
export const C_INT_NAME = /^(?:(?:signed|unsigned|short|long|int|char|_Bool|__int128) ?)+$/;
/** Floating-point type names C accepts as they are. */
export const C_FLOAT_NAME = /^(?:float|double|long double)$/;
/** The C integer type of each size, for INTs whose BTF name C does not accept. */
export const INT_BASE: Record<number, string> = {
  1: 'char',
  2: 'short',
  4: 'int',
  8: 'long',
  16: '__int128',
};
/** The integer type an anonymous enum is spelled as, by size, where it cannot be inlined. */
export const ENUM_BASE: Record<number, string> = { 1: 'char', 2: 'short', 4: 'int', 8: 'long long' };

/** `__builtin_va_list` with its terminating NUL. */
export const VA_LIST = Uint8Array.from('__builtin_va_list\0', (c) => c.charCodeAt(0));

/** Whether the NUL-terminated string at `off` in `b` is `name` (which includes the NUL). */
export function nameIs(b: Uint8Array, off: number, name: Uint8Array): boolean {
  // Compare the first byte before looping: almost every name differs there.
  if (b[off] !== name[0]) return false;
  for (let i = 1; i < name.length; i++) if (b[off + i] !== name[i]) return false;
  return true;
}

/** The NUL-terminated string at `off` in `b`, latin1-decoded (byte-exact). */
export function latin1(b: Uint8Array, off: number): string {
  let end = off;
  while (end < b.length && b[end] !== 0) end++;
  return Buffer.from(b.buffer, b.byteOffset + off, end - off).toString('latin1');
}

/**
 * The attribute that gives an enum its BTF size where clang's choice from the values alone differs:
 * `packed` (smallest fitting type, as kernel sources declare narrow enums) when that is exact, else
 * `mode(..)`, e.g. for 8-byte enums whose 64-bit values an old compiler truncated into BTF.
 */
export function enumSizeAttr(u32: Uint32Array, at: number, is64: boolean, signed: boolean): string {
  const size = u32[at + 2];
  const n = u32[at + 1] & 0xffff;
  let min = 0;
  let max = 0;
  for (let i = 0, o = at + 3; i < n; i++, o += is64 ? 3 : 2) {
    // Exact for 32-bit values; 64-bit ones only need their magnitude class (beyond 2^32 or not).
    const v = is64
      ? signed
        ? (u32[o + 2] | 0) * 2 ** 32 + u32[o + 1]
        : u32[o + 2] * 2 ** 32 + u32[o + 1]
      : signed
        ? u32[o + 1] | 0
        : u32[o + 1];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const fits = (bytes: number): boolean => {
    const bits = bytes * 8;
    return min < 0 ? min >= -(2 ** (bits - 1)) && max < 2 ** (bits - 1) : max < 2 ** bits;
  };
  const natural = fits(4) ? 4 : 8;
  if (natural === size) return '';
  const packed = fits(1) ? 1 : fits(2) ? 2 : natural;
  if (packed === size) return ' __attribute__((packed))';
  const mode = ({ 1: 'QI', 2: 'HI', 4: 'SI', 8: 'DI' } as Record<number, string>)[size];
  return mode ? ` __attribute__((mode(${mode})))` : '';
}
