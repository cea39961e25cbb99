/**
 * capable: security capability checks (cap_capable()) with the caller, the capability and the
 * verdict, with the options, header and rows of libbpf-tools' capable (tools/capable/capable.bpf.c
 * is the kernel side: the capability:cap_capable tracepoint through tp_btf or its raw tracepoint,
 * which kernels before 6.14 lack; the peer uses a kprobe).
 */
import { clock } from '../cli/output/table.js';
import type { Decoded } from '../btf/decode.js';
import { NotSupportedError, ToolUsageError } from '../errors/index.js';
import { CGROUP, positiveInt } from './common.js';
import { defineTool } from './define.js';
import { capabilityName } from './decode/capabilities.js';
import type { CommonOptions } from './session.js';

interface Options extends CommonOptions {
  pid?: number;
  kernelStack?: boolean;
  userStack?: boolean;
  extraFields?: boolean;
  unique?: 'pid' | 'cgroup';
  perfMaxStackDepth?: number;
  stackStorageSize?: number;
}

interface CapEvent {
  pid: number;
  tid: number;
  uid: number;
  cap: number;
  ret: number;
  comm: string;
}

const UNIQUE = { pid: 1, cgroup: 2 } as const;

function uniqueType(text: string): 'pid' | 'cgroup' {
  if (text === 'pid' || text === 'cgroup') return text;
  throw new ToolUsageError(`Unknown unique type ${text}`);
}

const verdict = (e: CapEvent): string => (e.ret === 0 ? 'allow' : 'deny');
const capName = (e: CapEvent): string => capabilityName(e.cap) ?? `CAP_${e.cap}`;
const extra = (o: Options): boolean => !!o.extraFields;

/** The capable tool. Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with BTF and capability:cap_capable. */
export default defineTool<Options, CapEvent>({
  name: 'capable',
  summary: 'Trace security capability checks (cap_capable()).',
  usage: `USAGE: capable [--help] [-p PID | -c CG | -x] [-u TYPE] [--json]

EXAMPLES:
    capable                  # Trace capability checks
    capable -p 185           # Trace this PID only
    capable -c CG            # Trace process under cgroupsPath CG
    capable -x               # Extra fields: show TID and INSETID columns
    capable -u TYPE          # Print unique output for TYPE=[pid | cgroup]
    capable --json           # one JSON object per check`,
  options: [
    CGROUP,
    { flags: '-K, --kernel-stack', help: 'output kernel stack trace (not supported by bpfkit)' },
    {
      flags: '--perf-max-stack-depth <PERF-MAX-STACK-DEPTH>',
      help: 'the limit for both kernel and user stack traces (default 127)',
      parse: positiveInt('Invalid perf max stack depth: %s'),
    },
    { flags: '-p, --pid <PID>', help: 'Trace this PID only', parse: positiveInt('Invalid PID: %s') },
    {
      flags: '--stack-storage-size <STACK-STORAGE-SIZE>',
      help: 'the number of unique stack traces that can be stored and displayed (default 1024)',
      parse: positiveInt('Invalid stack storage size: %s'),
    },
    {
      flags: '-u, --unique <off>',
      help: 'Print unique output for <pid> or <cgroup> (default:off)',
      parse: uniqueType,
    },
    { flags: '-U, --user-stack', help: 'output user stack trace (not supported by bpfkit)' },
    { flags: '-x, --extra-fields', help: 'extra fields: show TID and INSETID columns' },
  ],
  hooks: [{ what: 'capability checks', use: [['tp_btf/cap_capable'], ['raw_tp/cap_capable']] }],
  notes: [
    'Uses the capability:cap_capable tracepoint (Linux 6.14 and later) through tp_btf, or its raw tracepoint; libbpf-tools uses a kprobe and kretprobe on cap_capable.',
    "The tracepoint does not carry cap_capable()'s options, so AUDIT and INSETID are shown as '-' (null in --json).",
    '-K and -U (stack traces) are not supported: they end the run with an error.',
    'An unknown -u type is a usage error (exit 64); libbpf-tools exits 255.',
    "UID is the caller's real uid; the credentials checked are usually, not always, the caller's own.",
  ],
  jsonFields: [
    ['time', 'when the event was printed (ISO 8601, UTC)'],
    ['uid, pid, tid', 'user, process and thread id of the caller'],
    ['comm', 'command name of the caller'],
    ['cap', 'the capability, as a number'],
    ['cap_name', 'the capability by name (CAP_SYS_ADMIN)'],
    ['audit', 'whether the check is audited: null (not known from the tracepoint)'],
    ['verdict', 'allow or deny'],
    ['insetid', 'whether the check is for a set*id call: null (not known)'],
  ],
  configure(o, setup) {
    if (o.kernelStack || o.userStack)
      throw new NotSupportedError('stack traces (-K, -U) are not supported', 'capable stack traces');
    setup.setGlobal('my_pid', process.pid);
    if (o.pid) setup.setGlobal('target_pid', o.pid);
    if (o.unique) setup.setGlobal('unique', UNIQUE[o.unique]);
  },
  event: (f: { [field: string]: Decoded }) => ({
    pid: f.pid as number,
    tid: f.tid as number,
    uid: f.uid as number,
    cap: f.cap as number,
    ret: f.ret as number,
    comm: f.comm as string,
  }),
  columns: [
    { header: ['%-8s ', 'TIME'], cell: ['%-8s ', () => clock()] },
    { header: ['%-5s ', 'UID'], cell: ['%-5d ', (e) => e.uid] },
    { header: ['%-7s ', 'PID'], cell: ['%-7d ', (e) => e.pid] },
    { when: extra, header: ['%-7s ', 'TID'], cell: ['%-7d ', (e) => e.tid] },
    { header: ['%-16s ', 'COMM'], cell: ['%-16s ', (e) => e.comm] },
    { header: ['%-7s ', 'CAP'], cell: ['%-7d ', (e) => e.cap] },
    { header: ['%-20s ', 'NAME'], cell: ['%-20s ', capName] },
    { header: ['%-7s ', 'AUDIT'], cell: ['%-7s ', () => '-'] },
    { when: (o) => !extra(o), header: ['%-7s', 'VERDICT'], cell: ['%-7s', verdict] },
    { when: extra, header: ['%-7s ', 'VERDICT'], cell: ['%-7s ', verdict] },
    { when: extra, header: ['%-7s', 'INSETID'], cell: ['%-7s', () => '-'] },
  ],
  json: (e) => ({
    time: new Date().toISOString(),
    uid: e.uid,
    pid: e.pid,
    tid: e.tid,
    comm: e.comm,
    cap: e.cap,
    cap_name: capabilityName(e.cap) ?? null,
    audit: null,
    verdict: verdict(e),
    insetid: null,
  }),
});
