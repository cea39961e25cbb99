/**
 * Library errors that, on a command line, mean bad usage: a name the user typed (a global with --set,
 * a struct with --event-type, a program with --program, a map with --max-entries, an interface with
 * --ifname) that the object or the machine does not have. Missing files, packages and kernel ids stay
 * failures (exit 1).
 */
import { NotFoundError, UsageError } from '../errors/index.js';

const NAMED_BY_USER = new Set(['global', 'struct', 'program', 'map', 'interface', 'function', 'section']);

/** `e` as a UsageError when it is a NotFoundError for something the user named; else `e` itself. */
export function asUsage(e: unknown): unknown {
  if (e instanceof NotFoundError && e.key !== undefined && NAMED_BY_USER.has(e.what))
    return new UsageError(e.message, { cause: e });
  return e;
}
