/** Header and rows of a tool's table from its columns' printf formats. No kernel needed. */
import { sprintf } from './printf.js';
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
  let line = '';
  for (const c of columns) if (!c.when || c.when(o)) line += sprintf(c.cell[0], c.cell[1](e, o));
  return line;
}
