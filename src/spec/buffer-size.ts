/**
 * `--buffer-size <size>`: the size of the rings events travel through, for perf event arrays (bytes of
 * ring per CPU) and BPF ring buffers (the map's max_entries). Both must be a power-of-two number of
 * pages, so a size is rounded up to the next one. Pure.
 */
import { BadValueError } from '../errors/index.js';

const UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };
/** The largest ring the kernel takes: a ring buffer's max_entries is a u32 and a power of two. */
const MAX_BYTES = 2 ** 31;

/**
 * Bytes from `256K`, `4M`, `1G` (binary units; `KiB`/`k`/`KB` spellings too) or a plain byte count;
 * throws BadValueError (one line, naming `option`) for anything else, 0, or more than 2 GiB.
 */
export function parseBufferSize(text: string, option = '--buffer-size'): number {
  const m = /^\s*(\d+)\s*([kmg]?)(?:i?b)?\s*$/i.exec(text);
  const n = m ? Number(m[1]) * UNITS[m[2].toUpperCase()] : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_BYTES)
    throw new BadValueError(`${option}: '${text}' is not a size between 1 and 2G (e.g. 256K, 4M)`, {
      target: option,
      value: text,
      type: 'bytes with an optional K, M or G suffix',
    });
  return n;
}

/** `bytes` rounded up to a power-of-two multiple of `page` (what a ring buffer map and a perf ring need). */
export function ringBytes(bytes: number, page: number): number {
  let size = page;
  while (size < bytes) size *= 2;
  return size;
}
