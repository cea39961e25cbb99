/**
 * Counted stacks as profile prints them: the multi-line form (kernel frames innermost first, `--`
 * between kernel and user with -d, then `-  comm (pid)` and the count) and the folded form
 * (`comm;outermost;…;innermost count`, what flamegraph.pl and speedscope read). No kernel needed.
 */
import { sprintf } from './printf.js';
import type { JsonField } from './types.js';

/** One frame, symbolized as far as possible. */
export interface Frame {
  address: bigint;
  /** Function name; absent when unknown. */
  name?: string;
  offset?: bigint;
  /** Kernel module, or the user-space file the address is in. */
  module?: string;
  /** User frames: offset of the address in `module`. */
  moduleOffset?: bigint;
}

/** One side of a stack: its frames innermost first, or absent (not collected, none) or missed. */
export type StackSide = { kind: 'frames'; frames: Frame[] } | { kind: 'none' } | { kind: 'missed' };

/** A stack and how many samples hit it. */
export interface CountedStack {
  pid: number;
  comm: string;
  kernel: StackSide;
  user: StackSide;
  count: bigint;
}

/** How to print. */
export interface StackFormat {
  /** -d: a delimiter between the kernel and the user frames. */
  delimited: boolean;
  /** -v: addresses before the names. */
  verbose: boolean;
}

function kernelFrame(f: Frame, verbose: boolean): string {
  const name = f.name ?? '[unknown]';
  if (!verbose) return name;
  return f.name
    ? sprintf('0x%x %s+0x%x', f.address, name, f.offset ?? 0n)
    : sprintf('0x%x %s', f.address, name);
}

function userFrame(f: Frame, verbose: boolean): string {
  const name = f.name ?? '[unknown]';
  if (!verbose) return name;
  const where = f.module ? sprintf(' (%s+0x%x)', f.module, f.moduleOffset ?? 0n) : '';
  return sprintf('0x%016x %s+0x%x%s', f.address, name, f.offset ?? 0n, where);
}

/** The multi-line form of one stack, ending with a blank line. */
export function multiLine(s: CountedStack, fmt: StackFormat): string {
  const out: string[] = [];
  if (s.kernel.kind === 'missed') out.push('    [Missed Kernel Stack]');
  else if (s.kernel.kind === 'frames')
    for (const f of s.kernel.frames) out.push(`    ${kernelFrame(f, fmt.verbose)}`);
  if (fmt.delimited && s.kernel.kind !== 'none') out.push('    --');
  if (s.user.kind === 'missed') out.push('    [Missed User Stack]');
  else if (s.user.kind === 'frames')
    for (const f of s.user.frames) out.push(`    ${userFrame(f, fmt.verbose)}`);
  out.push(sprintf('    %-16s %s (%d)', '-', s.comm, s.pid));
  out.push(`        ${s.count}`, '');
  return out.join('\n') + '\n';
}

/** The folded form of one stack: one line, outermost frame first, `;-` between user and kernel with -d. */
export function folded(s: CountedStack, fmt: Pick<StackFormat, 'delimited'>): string {
  const parts = [foldName(s.comm)];
  if (s.user.kind === 'missed') parts.push('[Missed User Stack]');
  else if (s.user.kind === 'frames')
    for (const f of [...s.user.frames].reverse()) parts.push(foldName(f.name));
  if (fmt.delimited && s.kernel.kind !== 'none' && s.user.kind !== 'none') parts.push('-');
  if (s.kernel.kind === 'missed') parts.push('[Missed Kernel Stack]');
  else if (s.kernel.kind === 'frames')
    for (const f of [...s.kernel.frames].reverse()) parts.push(foldName(f.name));
  return `${parts.join(';')} ${s.count}\n`;
}

/** A name as one folded field: `;` separates frames and the last blank the count, so neither may appear. */
function foldName(name: string | undefined): string {
  return (name ?? '[unknown]').replace(/;/g, ':').replace(/\s/g, '_');
}

function frameJson(f: Frame): Record<string, JsonField> {
  const o: Record<string, JsonField> = {
    address: f.address,
    symbol: f.name ?? null,
    offset: f.offset ?? null,
  };
  if (f.module !== undefined) o.module = f.module;
  if (f.moduleOffset !== undefined) o.module_offset = f.moduleOffset;
  return o;
}

/** The --json object of one stack. */
export function stackJson(s: CountedStack): Record<string, JsonField> {
  const side = (x: StackSide): JsonField[] => (x.kind === 'frames' ? x.frames.map(frameJson) : []);
  return {
    pid: s.pid,
    comm: s.comm,
    count: s.count,
    kernel_stack: side(s.kernel),
    user_stack: side(s.user),
    kernel_stack_missed: s.kernel.kind === 'missed',
    user_stack_missed: s.user.kind === 'missed',
  };
}
