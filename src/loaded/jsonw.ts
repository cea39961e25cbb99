/**
 * A JSON writer that produces the exact bytes of bpftool's json_writer: no newline between array
 * elements (`[{`, `},{`), names on their own indented line (4 spaces a level) when pretty, a
 * newline before a closing bracket only if the container is non-empty. bpftool prints BTF-formatted
 * map dumps and program metadata through it, so matching them means writing the same way.
 */

/** Escapes a string the way bpftool's jsonw does (C escapes only; no \u sequences). */
export function jsonwQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    switch (ch) {
      case '\t':
        out += '\\t';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '"':
        out += '\\"';
        break;
      default:
        out += ch;
    }
  }
  return out + '"';
}

/** Streaming writer; text accumulates in `out` (callers may append raw text between calls). */
export class JsonWriter {
  out = '';
  private depth = 0;
  private sep = '';

  constructor(readonly pretty: boolean) {}

  private eol(): void {
    if (!this.pretty) return;
    this.out += '\n' + '    '.repeat(this.depth);
  }

  private eor(): void {
    this.out += this.sep;
    this.sep = ',';
  }

  private begin(c: string): void {
    this.eor();
    this.out += c;
    this.depth++;
    this.sep = '';
  }

  private end(c: string): void {
    this.depth--;
    if (this.sep !== '') this.eol();
    this.out += c;
    this.sep = ',';
  }

  startObject(): void {
    this.begin('{');
  }
  endObject(): void {
    this.end('}');
  }
  startArray(): void {
    this.begin('[');
  }
  endArray(): void {
    this.end(']');
  }

  /** An object key; the value written next belongs to it. */
  name(n: string): void {
    this.eor();
    this.eol();
    this.sep = '';
    this.out += jsonwQuote(n) + ':' + (this.pretty ? ' ' : '');
  }

  /** A value already formatted as text (jsonw_printf). */
  raw(text: string): void {
    this.eor();
    this.out += text;
  }

  string(s: string): void {
    this.raw(jsonwQuote(s));
  }

  /** A named value already formatted as text. */
  field(n: string, text: string): void {
    this.name(n);
    this.raw(text);
  }

  /** Clears the separator state between top-level values (jsonw_reset). */
  reset(): void {
    this.sep = '';
  }

  /** Ends the output as jsonw_destroy does: a final newline. */
  finish(): string {
    this.out += '\n';
    return this.out;
  }
}

/** JSON text embedded verbatim by jsonLine (bpftool's dumper output is not always JSON.parse-able). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** One compact JSON line: bigints as exact numbers, RawJson values verbatim. */
export function jsonLine(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return `\u0000${v}\u0000`;
    if (v instanceof RawJson) return `\u0000R${raws.push(v.text) - 1}\u0000`;
    return v;
  });
  return text.replace(/"\\u0000(R?)(-?\d+)\\u0000"/g, (_m, r: string, n: string) =>
    r ? raws[Number(n)] : n,
  );
}
