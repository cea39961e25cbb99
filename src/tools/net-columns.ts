/**
 * Table columns the TCP tools share: ones whose width follows -w (addresses 15 or 26 wide, as the
 * installed libbpf-tools print them). No kernel needed.
 */
import type { PrintfArg } from './printf.js';
import type { Column } from './types.js';

/** Options with libbpf-tools' -w/--wide. */
export interface WideOption {
  wide?: boolean;
}

/** Header and cell formats of a column: [without -w, with -w]. */
export type Widths = [narrow: string, wide: string];

/** Address columns' formats. */
export const ADDRESS: Widths = ['%-15s ', '%-26s '];

/**
 * One column as two, shown without and with -w: `header` formats of the title, `cell` formats of
 * the value (default: the header's).
 */
export function byWidth<E, O extends WideOption>(
  title: string,
  header: Widths,
  value: (e: E) => PrintfArg,
  cell: Widths = header,
): Column<E, O>[] {
  return [
    { when: (o) => !o.wide, header: [header[0], title], cell: [cell[0], value] },
    { when: (o) => !!o.wide, header: [header[1], title], cell: [cell[1], value] },
  ];
}
