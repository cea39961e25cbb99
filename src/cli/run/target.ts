/**
 * Resolves what `bpfkit run` was given into bytes plus optional metadata: a package, an object file,
 * an https URL or `-` (stdin).
 */
import { existsSync, readFileSync } from 'node:fs';
import { BpfkitError } from '../../errors/index.js';
import type { RunTarget } from '../../package/types.js';

/** Whether an operand looks like a run target rather than an option's value. */
export function looksLikeTarget(arg: string): boolean {
  return (
    arg === '-' || /^https?:\/\//.test(arg) || arg.includes('/') || /\.(o|json)$/.test(arg) || existsSync(arg)
  );
}

/** Loads a run target. */
export async function loadRunTarget(source: string): Promise<RunTarget> {
  let data: Uint8Array;
  try {
    data = source === '-' ? readFileSync(0) : readFileSync(source);
  } catch (e) {
    throw new BpfkitError(
      `cannot read ${source}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return { source, object: data };
}
