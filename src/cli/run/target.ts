/** How `bpfkit run` tells its target operand from the values of options (loading: package/load.ts). */
import { existsSync } from 'node:fs';

/** Whether an operand looks like a run target rather than an option's value. */
export function looksLikeTarget(arg: string): boolean {
  return (
    arg === '-' || /^https?:\/\//.test(arg) || arg.includes('/') || /\.(o|json)$/.test(arg) || existsSync(arg)
  );
}
