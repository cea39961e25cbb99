/** Header and rows of a tool's table from its columns' printf formats. No kernel needed. */
import { formatter, sprintf, type Formatter, type PrintfArg } from './printf.js';
import type { Column } from './types.js';

/** The header line (without newline) of the columns shown with options `o`. */
export function headerLine<E, O>(columns: Column<E, O>[], o: O): string {
  return columns
    .filter((c) => !c.when || c.when(o))
    .map((c) => sprintf(c.header[0], c.header[1]))
    .join('');
}

/** The row (without newline) of event `e`. */
export function rowLine<E, O>(columns: Column<E, O>[], e: E, o: O): string {
  return rowFormatter(columns, o)(e);
}

/**
 * The row formatter of the columns shown with options `o`: the `when` tests and the format parsing
 * are done once here rather than per event.
 */
export function rowFormatter<E, O>(columns: Column<E, O>[], o: O): (e: E) => string {
  const cells: [Formatter, (e: E, o: O) => PrintfArg][] = columns
    .filter((c) => !c.when || c.when(o))
    .map((c) => [formatter(c.cell[0]), c.cell[1]]);
  const one: PrintfArg[] = [''];
  return (e) => {
    let line = '';
    for (const [format, value] of cells) {
      one[0] = value(e, o);
      line += format(one);
    }
    return line;
  };
}
