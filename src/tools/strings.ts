/** Reading C strings out of record bytes. No kernel needed. */

/** The NUL-terminated string at the start of `bytes` (all of it when there is no NUL), as UTF-8. */
export function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return Buffer.from(bytes.buffer, bytes.byteOffset, end < 0 ? bytes.length : end).toString('utf8');
}

/** The NUL-separated strings of `bytes` (a trailing NUL ends the last one). */
export function cStrings(bytes: Uint8Array): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) {
      out.push(Buffer.from(bytes.buffer, bytes.byteOffset + start, i - start).toString('utf8'));
      start = i + 1;
    }
  }
  if (start < bytes.length)
    out.push(Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.length - start).toString('utf8'));
  return out;
}
