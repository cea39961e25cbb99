/** Parsing an object that came from a named place (file, URL, package), with that place in its errors. */
import { FormatError } from '../errors/index.js';
import { ObjectSpec } from '../spec/object.js';

/**
 * Parses a BPF object that came from `source`; a malformed one gives a FormatError whose message
 * starts with `source`, since the ELF and BTF readers only know the bytes.
 */
export function parseObject(object: Uint8Array, source: string): ObjectSpec {
  try {
    return new ObjectSpec(object);
  } catch (e) {
    if (e instanceof FormatError && !e.message.startsWith(`${source}:`))
      throw new FormatError(`${source}: ${e.message}`, { cause: e });
    throw e;
  }
}
