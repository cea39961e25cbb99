/**
 * profile: samples what every CPU runs at -F Hz (software cpu-clock perf events, one per online
 * CPU, tools/profile/profile.bpf.c), counts kernel and user stacks in BPF maps, and prints them at
 * the end (Ctrl-C or the duration given) as libbpf-tools' profile does: multi-line, folded (-f)
 * for flame graphs, or --json. Kernel frames are named from /proc/kallsyms, user frames from the
 * ELF symbols of the files each process maps (its .symtab, .dynsym, .gnu_debugdata and debug files).
 */
import { OptionConflictError, ToolUsageError } from '../errors/index.js';
import { KernelSymbols } from '../symbols/kallsyms.js';
import { UserSymbolizer } from '../symbols/process-maps.js';
import { toJson } from '../btf/decode.js';
import { positiveInt } from './common.js';
import { defineCollector } from './define.js';
import type { CommonOptions } from './session.js';
import { countedPids, readStacks } from './stack-counts.js';
import { folded, multiLine, stackJson } from './stacks.js';
import type { CollectorRun } from './types.js';

interface Options extends CommonOptions {
  pid?: number[];
  tid?: number[];
  userStacksOnly?: boolean;
  kernelStacksOnly?: boolean;
  frequency?: number;
  delimited?: boolean;
  includeIdle?: boolean;
  folded?: boolean;
  stackStorageSize?: number;
  perfMaxStackDepth?: number;
  cpu?: number;
  duration?: number;
}

const MAX_IDS = 30;
/** How often new pids in `counts` get their maps and files' symbols read. */
const MAPS_POLL_MS = 1000;

/** A comma-separated list of at most 30 ids. */
function idList(what: string): (text: string) => number[] {
  const one = positiveInt(`invalid ${what}: %s`);
  return (text) => {
    const ids = text.split(',').map((t) => one(t));
    if (ids.length > MAX_IDS) throw new ToolUsageError(`too many ${what}s (at most ${MAX_IDS}): ${text}`);
    return ids;
  };
}

/** The banner printed before sampling (not with -f or --json). */
function banner(o: Options): string {
  let s = `Sampling at ${o.frequency ?? 49} Hertz of`;
  if (o.pid) s += ` PID [${o.pid.join(', ')}]`;
  else if (o.tid) s += ` TID [${o.tid.join(', ')}]`;
  else s += ' all threads';
  s += o.userStacksOnly ? ' by user' : o.kernelStacksOnly ? ' by kernel' : ' by user + kernel';
  if (o.cpu !== undefined) s += ` on CPU#${o.cpu}`;
  return s + (o.duration !== undefined ? ` for ${o.duration} secs.\n` : '... Hit Ctrl-C to end.\n');
}

/** Samples until stopped, then prints the counted stacks. */
async function run(o: Options, ctx: CollectorRun): Promise<void> {
  const { obj } = ctx;
  for (const [map, ids] of [
    ['pids', o.pid],
    ['tids', o.tid],
  ] as const)
    for (const id of ids ?? []) obj.map(map).update(id, 1);
  if (!o.folded && !o.json) ctx.out(banner(o));
  let kernel: KernelSymbols | undefined;
  if (!o.userStacksOnly) {
    kernel = KernelSymbols.read();
    if (kernel.size === 0)
      ctx.err('profile: /proc/kallsyms shows no addresses; kernel frames stay [unknown]\n');
  }
  const user = new UserSymbolizer();
  const counts = obj.map('counts');
  // Reading the files' symbols while sampling keeps the end quick, and names processes gone by then.
  const seen = new Set<number>();
  const timer = setInterval(() => {
    for (const pid of countedPids(counts)) {
      if (seen.has(pid)) continue;
      seen.add(pid);
      user.prefetch(pid);
    }
  }, MAPS_POLL_MS);
  try {
    await ctx.stopped;
  } finally {
    clearInterval(timer);
  }
  const { stacks, missed } = readStacks({ counts, stackmap: obj.map('stackmap'), kernel, user });
  const fmt = { delimited: !!o.delimited, verbose: !!o.verbose };
  let text = '';
  for (const s of stacks)
    text += o.json ? toJson(stackJson(s)) + '\n' : o.folded ? folded(s, fmt) : multiLine(s, fmt);
  ctx.out(text);
  for (const note of new Set(user.notes))
    if (o.verbose || /gnu_debugdata/.test(note)) ctx.err(`profile: ${note}\n`);
  if (missed)
    ctx.err(
      `WARNING: ${missed} stack traces could not be displayed. Consider increasing --stack-storage-size.\n`,
    );
}

/** The profile tool. Runs as root (CAP_BPF + CAP_PERFMON) on a kernel with perf events. */
export default defineCollector<Options>({
  kind: 'collect',
  name: 'profile',
  summary: 'Profile CPU usage by sampling stack traces at a timed interval.',
  usage: `USAGE: profile [OPTIONS...] [duration]

EXAMPLES:
    profile             # profile stack traces at 49 Hertz until Ctrl-C
    profile -F 99       # profile stack traces at 99 Hertz
    profile 5           # profile at 49 Hertz for 5 seconds only
    profile -f          # output in folded format for flame graphs
    profile -p 185      # only profile process with PID 185
    profile -L 185      # only profile thread with TID 185
    profile -U          # only show user space stacks (no kernel)
    profile -K          # only show kernel space stacks (no user)
    profile --json      # one JSON object per stack`,
  options: [
    {
      flags: '-p, --pid <PID>',
      help: 'profile processes with one or more comma-separated PIDs only',
      parse: idList('PID'),
    },
    {
      flags: '-L, --tid <TID>',
      help: 'profile threads with one or more comma-separated TIDs only',
      parse: idList('TID'),
    },
    { flags: '-U, --user-stacks-only', help: 'show stacks from user space only (no kernel space stacks)' },
    { flags: '-K, --kernel-stacks-only', help: 'show stacks from kernel space only (no user space stacks)' },
    {
      flags: '-F, --frequency <FREQUENCY>',
      help: 'sample frequency, Hertz',
      parse: positiveInt('invalid FREQUENCY: %s'),
    },
    { flags: '-d, --delimited', help: 'insert delimiter between kernel/user stacks' },
    { flags: '-I, --include-idle', help: 'include CPU idle stacks' },
    { flags: '-f, --folded', help: 'output folded format, one line per stack (for flame graphs)' },
    {
      flags: '--stack-storage-size <STACK-STORAGE-SIZE>',
      help: 'the number of unique stack traces that can be stored and displayed (default 1024)',
      parse: positiveInt('invalid stack storage size: %s'),
    },
    { flags: '-C, --cpu <CPU>', help: 'cpu number to run profile on', parse: cpuNumber },
    {
      flags: '--perf-max-stack-depth <PERF-MAX-STACK-DEPTH>',
      help: 'the limit for both kernel and user stack traces (default 127)',
      parse: positiveInt('invalid perf max stack depth: %s'),
    },
  ],
  maxOperands: 1,
  operands: ([d]) => (d === undefined ? {} : { duration: positiveInt('Invalid duration (in s): %s')(d) }),
  hooks: [{ what: 'CPU samples (software cpu-clock perf events)', use: [['perf_event']] }],
  notes: [
    'User frames are named from the ELF symbol tables of the mapped files (.symtab, .dynsym, .gnu_debugdata when the xz command is installed, debug files under /usr/lib/debug by build id or .gnu_debuglink); C++ names are not demangled.',
    "Processes' maps are read once a second while sampling, so stacks of processes that exited before the end are still named (as they were when first read).",
    "-v also prints libbpf's debug log; -C filters samples in BPF rather than opening events on one CPU only.",
  ],
  jsonFields: [
    ['pid, comm', 'the process (tgid) and its command name'],
    ['count', 'samples of this stack'],
    [
      'kernel_stack, user_stack',
      'frames innermost first: {address, symbol, offset, module[, module_offset]}',
    ],
    ['kernel_stack_missed, user_stack_missed', 'whether that stack was lost (stack map full or collision)'],
  ],
  configure(o, setup) {
    if (o.userStacksOnly && o.kernelStacksOnly)
      throw new OptionConflictError('user_stacks_only and kernel_stacks_only cannot be used together.', [
        'user_stacks_only',
        'kernel_stacks_only',
      ]);
    if (o.userStacksOnly) setup.setGlobal('user_stacks_only', true);
    if (o.kernelStacksOnly) setup.setGlobal('kernel_stacks_only', true);
    if (o.includeIdle) setup.setGlobal('include_idle', true);
    if (o.pid) setup.setGlobal('filter_by_pid', true);
    if (o.tid) setup.setGlobal('filter_by_tid', true);
    if (o.cpu !== undefined) setup.setGlobal('target_cpu', o.cpu);
    setup.setMaxEntries('stackmap', o.stackStorageSize ?? 1024);
    setup.setValueSize('stackmap', (o.perfMaxStackDepth ?? 127) * 8);
  },
  attachOptions: (o) => ({ frequency: o.frequency ?? 49 }),
  duration: (o) => o.duration,
  run,
});

function cpuNumber(text: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n > 0x7fffffff) throw new ToolUsageError(`invalid CPU: ${text}`);
  return n;
}
