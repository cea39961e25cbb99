/**
 * Where a JSON text first goes wrong, as line and column. Node 20's JSON.parse names the offending
 * token but often not its offset ("Unexpected token 'x', "…" is not valid JSON"), and a package file is
 * edited by hand often enough that "line 12, column 7" is what the user needs. This is a syntax check
 * only (no values are built), run after JSON.parse has already failed.
 */

/** 1-based line and column of a JSON syntax error. */
export interface JsonPosition {
  line: number;
  column: number;
}

/** The position of the first syntax error in `text`, or undefined when the text is valid JSON. */
export function jsonErrorPosition(text: string): JsonPosition | undefined {
  const at = new Scanner(text).firstError();
  if (at === undefined) return undefined;
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  return { line, column: at - before.lastIndexOf('\n') };
}

class Scanner {
  private i = 0;
  constructor(private readonly s: string) {}

  /** Offset of the first error, or undefined. */
  firstError(): number | undefined {
    try {
      this.value();
      this.space();
      if (this.i < this.s.length) return this.i;
      return undefined;
    } catch (e) {
      if (typeof e === 'number') return e;
      throw e;
    }
  }

  private fail(): never {
    throw this.i;
  }

  private space(): void {
    while (/[ \t\r\n]/.test(this.s[this.i] ?? '')) this.i++;
  }

  private value(): void {
    this.space();
    const c = this.s[this.i];
    if (c === '{') return this.container('}', true);
    if (c === '[') return this.container(']', false);
    if (c === '"') return this.string();
    for (const word of ['true', 'false', 'null'])
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return;
      }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (!m) this.fail();
    this.i += m[0].length;
  }

  private container(close: string, keyed: boolean): void {
    this.i++;
    this.space();
    if (this.s[this.i] === close) {
      this.i++;
      return;
    }
    for (;;) {
      if (keyed) {
        this.space();
        if (this.s[this.i] !== '"') this.fail();
        this.string();
        this.space();
        if (this.s[this.i] !== ':') this.fail();
        this.i++;
      }
      this.value();
      this.space();
      const c = this.s[this.i];
      if (c === close) {
        this.i++;
        return;
      }
      if (c !== ',') this.fail();
      this.i++;
    }
  }

  private string(): void {
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '"') {
        this.i++;
        return;
      }
      if (c < ' ') this.fail();
      if (c === '\\') {
        const e = this.s[this.i + 1];
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) this.i += 6;
        else if (e !== undefined && '"\\/bfnrt'.includes(e)) this.i += 2;
        else this.fail();
      } else this.i++;
    }
    this.fail();
  }
}
