/**
 * How the CLI reports a failure: one line on stderr (`bpfkit: …`, with the stack only when
 * BPFKIT_DEBUG is set) and the exit status, 1 for failures and 2 for bad usage (UsageError).
 */
import { BpfkitError } from '../errors/index.js';

/** Prints `e` as one line on stderr and returns the exit status it calls for. */
export function reportFailure(e: unknown): number {
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`bpfkit: ${msg}\n`);
  if (process.env.BPFKIT_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return e instanceof BpfkitError ? e.exitCode : 1;
}
