/**
 * Aligned event tables: a header from the event struct's fields, then one row per event, with column
 * widths chosen from the field types so that a stream lines up without looking ahead.
 */
import type { Btf } from '../../btf/btf.js';
import { toJson, type Decoded } from '../../btf/decode.js';
import { addressFields } from '../../btf/addresses.js';

/** One column of an event table. */
export interface Column {
  name: string;
  width: number;
  /** Right-align numbers, left-align text. */
  right: boolean;
}

/**
 * Columns for the top-level fields of struct `typeId` (anonymous members flattened). IP address
 * members (see btf/addresses.ts) are text columns wide enough for their address.
 */
export function columnsFor(btf: Btf, typeId: number): Column[] {
  const addresses = new Map(
    addressFields(btf, typeId)
      .filter((f) => f.path.length === 1)
      .map((f) => [f.path[0], f.size]),
  );
  return memberColumns(btf, typeId, addresses);
}

function memberColumns(btf: Btf, typeId: number, addresses: Map<string, number>): Column[] {
  const t = btf.resolve(typeId);
  if (t.kind !== 'struct' && t.kind !== 'union') return [];
  const out: Column[] = [];
  for (const m of t.members) {
    if (!m.name) {
      out.push(...memberColumns(btf, m.type, addresses));
      continue;
    }
    const mt = btf.resolve(m.type);
    let width = 8;
    let right = false;
    const address = addresses.get(m.name);
    // Longest IPv4 text, and the longest usual IPv6 text (eight full groups).
    if (address) width = address === 4 ? 15 : 39;
    else if (mt.kind === 'int' && !mt.bool) {
      width = [0, 3, 5, 0, 7, 0, 0, 0, 14][mt.size] ?? 8;
      right = true;
    } else if (mt.kind === 'int' && mt.bool) width = 5;
    else if (mt.kind === 'enum' || mt.kind === 'enum64')
      width = Math.max(...mt.values.map((v) => v.name.length), 4);
    else if (mt.kind === 'array') {
      const e = btf.resolve(mt.type);
      width = e.kind === 'int' && e.size === 1 ? Math.min(mt.nelems, 16) : 16;
    }
    out.push({ name: m.name.toUpperCase(), width: Math.max(width, m.name.length), right });
  }
  return out;
}

/** Writes aligned rows; the last column is never padded so long paths do not leave trailing blanks. */
export class TableWriter {
  private readonly columns: Column[];
  private readonly write: (s: string) => void;

  /** `columns` excludes the leading TIME column, which the writer adds when `time` is true. */
  constructor(
    columns: Column[],
    write: (s: string) => void,
    private readonly time = true,
  ) {
    this.columns = time ? [{ name: 'TIME', width: 8, right: false }, ...columns] : columns;
    this.write = write;
  }

  /** Prints the header line. */
  header(): void {
    this.write(this.line(this.columns.map((c) => c.name)) + '\n');
  }

  /** Prints one event's fields (in column order). */
  row(values: Decoded[]): void {
    const cells = values.map(cellText);
    if (this.time) cells.unshift(clock());
    this.write(this.line(cells) + '\n');
  }

  private line(cells: string[]): string {
    const last = cells.length - 1;
    return cells
      .map((s, i) => {
        const c = this.columns[i];
        if (!c || i === last) return s;
        return c.right ? s.padStart(c.width) : s.padEnd(c.width);
      })
      .join(' ');
  }
}

/** Local wall-clock time as HH:MM:SS. */
export function clock(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A decoded value as one table cell: text as it is, numbers in decimal, anything else as JSON. */
export function cellText(v: Decoded): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return toJson(v);
}

/** Hex dump of a record in rows of 16 bytes, as `offset: bytes`. */
export function hexRows(bytes: Uint8Array): string[] {
  const rows: string[] = [];
  for (let o = 0; o < bytes.length; o += 16) {
    const chunk = Array.from(bytes.subarray(o, o + 16), (b) => b.toString(16).padStart(2, '0'));
    rows.push(`${o.toString(16).padStart(4, '0')}: ${chunk.join(' ')}`);
  }
  return rows;
}
