/**
 * ByteWriter: a growable latin1 output buffer for the BTF dumpers. Writing bytes straight into one
 * buffer keeps the multi-megabyte vmlinux dump free of the millions of retained small strings (and the
 * garbage collection they cost) that collecting and joining strings would need. Kernel-independent.
 */

/** Appends latin1 text and NUL-terminated byte strings to a buffer that grows as needed. */
export class ByteWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(initial = 1 << 16) {
    this.buf = new Uint8Array(initial);
  }

  private grow(need: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + need) size *= 2;
    const b = new Uint8Array(size);
    b.set(this.buf.subarray(0, this.pos));
    this.buf = b;
  }

  /** Appends `s` (characters above 0xff are not expected: names are latin1-decoded bytes). */
  s(s: string): void {
    const n = s.length;
    if (this.pos + n > this.buf.length) this.grow(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Appends one character code. */
  c(code: number): void {
    if (this.pos === this.buf.length) this.grow(1);
    this.buf[this.pos++] = code;
  }

  /** Appends the decimal digits of a non-negative safe integer or any negative int32. */
  n(v: number): void {
    if (v >= 0 && v < 10) this.c(48 + v);
    else this.s(String(v));
  }

  /** Appends the NUL-terminated string at `off` in `src` (or up to its end). */
  z(src: Uint8Array, off: number): void {
    // One pass that copies while looking for the NUL (a read past the end gives undefined, which
    // ends the loop too). A write past the end of the buffer is dropped, so check afterwards.
    const buf = this.buf;
    let p = this.pos;
    let c = src[off];
    while (c > 0) {
      buf[p++] = c;
      c = src[++off];
    }
    if (p > buf.length) this.overflowZ(src, off - (p - this.pos));
    else this.pos = p;
  }

  /** z's rare path: the string did not fit; grow and copy it again. */
  private overflowZ(src: Uint8Array, off: number): void {
    let end = off;
    while (end < src.length && src[end] !== 0) end++;
    this.grow(end - off);
    this.buf.set(src.subarray(off, end), this.pos);
    this.pos += end - off;
  }

  /** Appends a copy of bytes [from, to) already written. */
  copy(from: number, to: number): void {
    const n = to - from;
    if (this.pos + n > this.buf.length) this.grow(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = from; i < to; i++) buf[p++] = buf[i];
    this.pos = p;
  }

  /** The bytes written so far (a view, not a copy). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** The text written so far, latin1-decoded (byte-exact). */
  text(): string {
    const b = this.bytes();
    return Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
  }
}
