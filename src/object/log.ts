/**
 * Collects libbpf's log lines: everything goes to an optional live sink (--verbose), and the lines of
 * the operation in progress are kept so a failure can be explained, verifier logs included.
 */
import { libbpf, PRINT_LEVEL } from '../sys/libbpf.js';

/** A sink for libbpf's log lines (level: 0 warn, 1 info, 2 debug). */
export type LogSink = (level: number, line: string) => void;

let live: LogSink | undefined;
let captured: string[] = [];

/** Sends every libbpf log line to `sink` as it comes (undefined: keep quiet). */
export function setLibbpfLog(sink: LogSink | undefined): void {
  live = sink;
}

/** Runs `fn` while capturing libbpf's messages; returns its result and the captured text. */
export function withLog<T>(fn: () => T): { result: T; log: string } {
  const lib = libbpf();
  lib.setPrint((level, msg) => {
    if (level <= PRINT_LEVEL.DEBUG) captured.push(msg);
    live?.(level, msg);
  });
  const before = captured;
  captured = [];
  try {
    const result = fn();
    return { result, log: captured.join('') };
  } finally {
    captured = before;
  }
}

/** The verifier log libbpf printed for `program` (between its BEGIN/END PROG LOAD LOG markers). */
export function extractVerifierLog(log: string, program: string): string | undefined {
  const begin = `prog '${program}': -- BEGIN PROG LOAD LOG --`;
  const i = log.indexOf(begin);
  if (i < 0) return undefined;
  const rest = log.slice(i + begin.length);
  const j = rest.indexOf('-- END PROG LOAD LOG --');
  return (j < 0 ? rest : rest.slice(0, j)).replace(/^\n/, '');
}

/** The last libbpf warning line that mentions `needle`, without the "libbpf: " prefix. */
export function lastLine(log: string, needle: string): string | undefined {
  const lines = log.split('\n').filter((l) => l.includes(needle));
  return lines.at(-1)?.replace(/^libbpf: /, '');
}
