/**
 * sigsnoop (and killsnoop, its -k alias): signals with sender, target and outcome, with the
 * options, header and rows of libbpf-tools' sigsnoop (tools/sigsnoop/sigsnoop.bpf.c is the kernel
 * side: signal_generate through tp_btf or its raw tracepoint, or the kill/tkill/tgkill syscall
 * tracepoints with -k).
 */
import { clock } from '../cli/output/table.js';
import type { Decoded } from '../btf/decode.js';
import { ToolUsageError } from '../errors/index.js';
import { pidOption } from './common.js';
import { defineTool } from './define.js';
import { errnoSymbol } from './decode/errno.js';
import { parseSignal, signalName } from './decode/signals.js';
import type { CommonOptions } from './session.js';

interface Options extends CommonOptions {
  failed?: boolean;
  kill?: boolean;
  name?: boolean;
  pid?: number;
  signal?: number[];
  decode?: boolean;
}

interface SigEvent {
  pid: number;
  tid: number;
  tpid: number;
  sig: number;
  ret: number;
  source: string;
  comm: string;
  tcomm: string;
}

/** The kernel's enum trace_signal_deliver: what signal_generate's result means. */
const RESULTS = ['DELIVERED', 'IGNORED', 'ALREADY_PENDING', 'OVERFLOW_FAIL', 'LOSE_INFO'];

/** `-s 9`, `-s 9,15`, `-s TERM,SIGRTMIN+1`: signal numbers 1..64. */
function signalList(text: string): number[] {
  const sigs = text.split(',').map((s) => parseSignal(s.trim()));
  if (!sigs.length || sigs.some((s) => s === undefined)) throw new ToolUsageError(`Invalid SIGNAL: ${text}`);
  return sigs as number[];
}

/** SIG as -n prints it: names for 1..31 (`N/A` for 0), numbers above, all names with --decode. */
function sigText(e: SigEvent, o: Options): string | number {
  if (o.decode) return e.sig === 0 ? 'N/A' : (signalName(e.sig) ?? e.sig);
  if (!o.name) return e.sig;
  if (e.sig === 0) return 'N/A';
  return e.sig < 32 ? signalName(e.sig)! : e.sig;
}

function resultName(e: SigEvent): string | null {
  if (e.source === 'signal_generate') return RESULTS[e.ret] ?? null;
  return e.ret < 0 ? (errnoSymbol(e.ret) ?? null) : null;
}

function resultText(e: SigEvent, o: Options): string | number {
  if (!o.decode) return e.ret;
  const name = resultName(e);
  if (!name) return e.ret;
  return e.source === 'signal_generate' ? name : `-${name}`;
}

/** The sigsnoop tool (and killsnoop). Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with BTF. */
export default defineTool<Options, SigEvent>({
  name: 'sigsnoop',
  aliases: { killsnoop: ['-k'] },
  summary: 'Trace standard and real-time signals.',
  usage: `USAGE: sigsnoop [-h] [-x] [-k] [-n] [-p PID] [-s SIGNAL] [--json] [--decode]

EXAMPLES:
    sigsnoop             # every signal the kernel generates
    sigsnoop -k          # signals sent by kill(2), tkill(2), tgkill(2)
    sigsnoop -x          # signals not delivered (ignored, already pending, …)
    sigsnoop -p 1216     # signals sent by process 1216
    sigsnoop -s 9        # SIGKILL only
    sigsnoop -s TERM,INT # SIGTERM and SIGINT only
    sigsnoop -n          # signals by name
    killsnoop            # the same as sigsnoop -k`,
  options: [
    { flags: '-k, --kill', help: 'Trace signals issued by kill syscall only.' },
    { flags: '-n, --name', help: 'Output signal name instead of signal number.' },
    pidOption(),
    { flags: '-s, --signal <SIGNAL>', help: 'Signal to trace.', parse: signalList },
    { flags: '-x, --failed', help: 'Trace failed signals only.' },
    {
      flags: '--decode',
      help: 'Signal names for every signal, RESULT by name (IGNORED, -ESRCH)',
      extra: true,
    },
  ],
  hooks: [
    {
      what: 'signals',
      use: [['tp_btf/signal_generate'], ['raw_tp/signal_generate']],
      when: (o: Options) => !o.kill,
      whenText: 'without -k',
    },
    ...['kill', 'tkill', 'tgkill'].map((call) => ({
      what: `${call}(2)`,
      use: [[`tracepoint/syscalls/sys_enter_${call}`, `tracepoint/syscalls/sys_exit_${call}`]],
      when: (o: Options) => !!o.kill,
      whenText: 'with -k',
    })),
  ],
  notes: [
    "RESULT of a generated signal is the kernel's delivery result (0 delivered, 1 ignored, 2 already " +
      'pending, 3 queue full, 4 info lost), and -x shows the signals not delivered; libbpf-tools prints the ' +
      "siginfo's si_errno there, which is 0 for every signal sent by kill(2).",
    '-s takes a comma-separated list of numbers (1-64) or names; libbpf-tools takes one number.',
    'Uses signal_generate through tp_btf, or its raw tracepoint where tp_btf is missing (-v says which).',
    'Run as killsnoop it traces what -k does.',
  ],
  jsonFields: [
    ['time', 'when the event was printed (ISO 8601, UTC)'],
    ['pid, tid, comm', 'the sender: process, thread and command name'],
    ['tpid', 'the target thread id (for kill(2): its pid argument)'],
    ['tcomm', "the target's command name (null for -k events)"],
    ['sig, sig_name', 'the signal, and its name (SIGTERM, SIGRTMIN+1; null for 0)'],
    ['ret', 'RESULT as printed: the delivery result, or the syscall return value'],
    ['result', 'ret by name: DELIVERED, IGNORED, …, or ESRCH, …; null for a successful syscall'],
    ['source', 'signal_generate, kill, tkill or tgkill'],
  ],
  configure(o, setup) {
    if (o.pid) setup.setGlobal('filtered_pid', o.pid);
    if (o.failed) setup.setGlobal('failed_only', true);
    if (o.signal)
      setup.setGlobal(
        'target_signals',
        o.signal.reduce((m, s) => m | (1n << BigInt(s - 1)), 0n),
      );
  },
  event(f: { [field: string]: Decoded }) {
    return {
      pid: f.pid as number,
      tid: f.tid as number,
      tpid: f.tpid as number,
      sig: f.sig as number,
      ret: f.ret as number,
      source: String(f.source).toLowerCase(),
      comm: f.comm as string,
      tcomm: f.tcomm as string,
    };
  },
  columns: [
    { header: ['%-8s ', 'TIME'], cell: ['%-8s ', () => clock()] },
    { header: ['%-7s ', 'PID'], cell: ['%-7d ', (e) => e.pid] },
    { header: ['%-16s ', 'COMM'], cell: ['%-16s ', (e) => e.comm] },
    { header: ['%-9s ', 'SIG'], cell: ['%-9s ', sigText] },
    { header: ['%-7s ', 'TPID'], cell: ['%-7d ', (e) => e.tpid] },
    { header: ['%-6s', 'RESULT'], cell: ['%-6s', resultText] },
  ],
  json: (e) => ({
    time: new Date().toISOString(),
    pid: e.pid,
    tid: e.tid,
    comm: e.comm,
    tpid: e.tpid,
    tcomm: e.source === 'signal_generate' ? e.tcomm : null,
    sig: e.sig,
    sig_name: e.sig ? (signalName(e.sig) ?? null) : null,
    ret: e.ret,
    result: resultName(e),
    source: e.source,
  }),
});
