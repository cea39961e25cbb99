/**
 * Collects libbpf's log lines: everything goes to an optional live sink (--verbose), and the lines of
 * the operation in progress are kept so a failure can be explained, verifier logs included.
 */
import { libbpf, PRINT_LEVEL } from './libbpf.js';

/** A sink for libbpf's log lines (level: 0 warn, 1 info, 2 debug). */
export type LogSink = (level: number, line: string) => void;

let live: LogSink | undefined;
let captured: { level: number; msg: string }[] = [];

/** Sends every libbpf log line to `sink` as it comes (undefined: keep quiet). */
export function setLibbpfLog(sink: LogSink | undefined): void {
  live = sink;
}

/**
 * Runs `fn` while capturing libbpf's messages; returns its result, the captured text, and the
 * warning-level messages alone (where libbpf says why something failed).
 */
export function withLog<T>(fn: () => T): { result: T; log: string; warnings: string[] } {
  const lib = libbpf();
  lib.setPrint((level, msg) => {
    if (level <= PRINT_LEVEL.DEBUG) captured.push({ level, msg });
    live?.(level, msg);
  });
  const before = captured;
  captured = [];
  try {
    const result = fn();
    return {
      result,
      log: captured.map((c) => c.msg).join(''),
      warnings: captured.filter((c) => c.level === PRINT_LEVEL.WARN).map((c) => c.msg),
    };
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
  if (j >= 0) return rest.slice(0, j).replace(/^\n/, '');
  // Without the end marker the log runs into libbpf's next message, maybe mid-line: the verifier
  // never writes "libbpf: ", so the log ends where that starts.
  const k = rest.indexOf('libbpf: ');
  return (k < 0 ? rest : rest.slice(0, k)).replace(/^\n/, '');
}
