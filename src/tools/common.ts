/**
 * Options and value checks several tools share, with libbpf-tools' spellings, help lines and
 * messages (`Invalid PID: %s`). No kernel needed.
 */
import { BadValueError, ToolUsageError } from '../errors/index.js';
import { parseBufferSize } from '../spec/buffer-size.js';
import type { ToolOption } from './types.js';

/** A strictly positive integer up to INT_MAX, or the tool's message with the text in place of %s. */
export function positiveInt(message: string): (text: string) => number {
  return (text) => {
    const n = /^\s*\+?\d+\s*$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > 0x7fffffff)
      throw new ToolUsageError(message.replace('%s', text));
    return n;
  };
}

/** A uid: 0 ≤ uid < 4294967295 ((uid_t)-1 means "no filter" to the BPF side). */
export function uid(message = 'Invalid UID %s'): (text: string) => number {
  return (text) => {
    const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n >= 0xffffffff) throw new ToolUsageError(message.replace('%s', text));
    return n;
  };
}

/** -p/--pid with the peer's help text. */
export function pidOption(help = 'Process ID to trace'): ToolOption {
  return { flags: '-p, --pid <PID>', help, parse: positiveInt('Invalid PID: %s') };
}

/** -v/--verbose: libbpf's debug log on stderr, and which hooks were chosen. */
export const VERBOSE: ToolOption = { flags: '-v, --verbose', help: 'Verbose debug output' };

/** -c/--cgroup, as execsnoop and exitsnoop spell it. */
export const CGROUP: ToolOption = {
  flags: '-c, --cgroup </sys/fs/cgroup/unified>',
  help: 'Trace process in cgroup path',
};

/** --json, on every tool. */
export const JSON_OPTION: ToolOption = {
  flags: '--json',
  help: 'Print one JSON object per event (fields below)',
  extra: true,
};

/** --buffer-size, on every tool: the size of the `events` ring buffer (default 256K per online CPU, at least 4M). */
export const BUFFER_SIZE_OPTION: ToolOption = {
  flags: '--buffer-size <SIZE>',
  help: 'Size of the events ring buffer (e.g. 16M; default 256K per CPU, at least 4M)',
  extra: true,
  parse: (text) => {
    try {
      return parseBufferSize(text);
    } catch (e) {
      throw e instanceof BadValueError ? new ToolUsageError(e.message) : e;
    }
  },
};

/** argp's standard options, plus libbpf-tools' hidden -h. */
export const STANDARD_OPTIONS: ToolOption[] = [
  { flags: '-?, --help', help: 'Give this help list' },
  { flags: '--usage', help: 'Give a short usage message' },
  { flags: '-V, --version', help: 'Print program version' },
];

/** libbpf-tools' `-h`, which is not listed. */
export const HIDDEN_H: ToolOption = { flags: '-h', help: 'Show the full help', hidden: true };
