/**
 * How the CLI reports a failure: one line on stderr (`bpfkit: …`, with the stack only when
 * BPFKIT_DEBUG is set) and the exit status: 2 for bad usage (UsageError) and for a value the user
 * gave that does not fit (BadValueError), 1 for every other failure.
 */

/** Error classes whose exit status is 2. By name: the btf dump bundle has its own copies of them. */
const USAGE_ERRORS = new Set(['UsageError', 'BadValueError']);

/** The exit status for `e`. */
export function exitStatusOf(e: unknown): number {
  return e instanceof Error && USAGE_ERRORS.has(e.name) ? 2 : 1;
}

/** Prints `e` as one line on stderr and returns the exit status it calls for. */
export function reportFailure(e: unknown): number {
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`bpfkit: ${msg}\n`);
  if (process.env.BPFKIT_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return exitStatusOf(e);
}
