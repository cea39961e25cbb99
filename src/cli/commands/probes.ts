/**
 * `bpfkit probes [pattern]`: lists where programs can hook, in bpftrace -l's format (one probe per
 * line, sorted), with `-v` arguments and `--json` objects. Reads tracefs, BTF and ELF files.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors/index.js';
import { formatProbe, listProbesDetailed, probeJson } from '../../probes/list.js';

interface ProbesOptions {
  verbose?: boolean;
  json?: boolean;
  pid?: number;
}

const EXAMPLES = `
Patterns (bpftrace -l syntax; '*' matches anything, quote it from the shell):
  tracepoint:<category>:<event>      tracefs events, e.g. 'tracepoint:syscalls:sys_enter_open*'
  rawtracepoint:<module>:<event>     raw tracepoints from BTF (module optional: 'rawtracepoint:sched_*')
  fentry:<module>:<func>, fexit:…    BTF functions (kfunc:/kretfunc: accepted)
  kprobe:<func>, kretprobe:<func>    when the kernel has kprobes
  uprobe:<binary>:<symbol>           ELF function symbols, e.g. 'uprobe:/bin/bash:read*', 'uprobe:libc:mem*'
  software:<event>:, hardware:<event>:
Without a pattern every kernel provider usable here is listed; with -p PID, the process's uprobes.
Hooks the kernel lists but refuses to attach (e.g. fentry under lockdown) are noted on stderr
and carry "available": false in --json output.

Examples:
  bpfkit probes 'tracepoint:syscalls:sys_enter_open*'
  bpfkit probes -v tracepoint:sched:sched_switch
  bpfkit probes --json 'uprobe:/bin/bash:readline'
  bpfkit probes -p 1234 'uprobe:*:malloc'
`;

function parsePid(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw new UsageError(`invalid pid '${v}'`);
  return Number(v);
}

let pipeGuard = false;

/** A reader that stops early (`| head`) closes the pipe; that is not an error worth a trace. */
function guardStdout(): void {
  if (pipeGuard) return;
  pipeGuard = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

/** Registers the `probes` subcommand. */
export function register(program: Command): void {
  program
    .command('probes')
    .description('List the places programs can hook (bpftrace -l compatible)')
    .argument('[pattern]', "probe pattern, e.g. 'tracepoint:syscalls:*open*'")
    .option('-v, --verbose', 'show arguments (tracepoint fields, BTF parameters)')
    .option('-p, --pid <pid>', 'list uprobes of the files process PID maps', parsePid)
    .option('--json', 'one JSON object per probe per line')
    .addHelpText('after', EXAMPLES)
    .action((pattern: string | undefined, opts: ProbesOptions) => {
      const { probes, notes } = listProbesDetailed(pattern, { verbose: opts.verbose, pid: opts.pid });
      guardStdout();
      const lines = probes.map((p) => (opts.json ? probeJson(p) : formatProbe(p, opts.verbose)));
      if (lines.length) process.stdout.write(`${lines.join('\n')}\n`);
      for (const n of notes) process.stderr.write(`bpfkit: note: ${n}\n`);
    });
}
