/**
 * `bpfkit run <package | object | url | ->`: loads a program, builds options from its globals, attaches
 * it and prints its events until --duration, Ctrl-C or SIGTERM (exit 0).
 */
import { Command, Option } from 'commander';
import { UsageError } from '../../errors/index.js';
import { asUsage } from '../usage.js';
import type { Encodable } from '../../btf/encode.js';
import { globalOptions, globalValue, type GlobalOption } from '../run/options.js';
import { looksLikeTarget } from '../run/target.js';
import { loadTarget } from '../../package/load.js';
import { parseObject } from '../../package/parse-object.js';
import { runSession, type RunSettings } from '../run/session.js';
import { parseBufferSize } from '../../spec/buffer-size.js';
import { PROGRAM_VALUE_OPTIONS, programOptions, programSettings } from '../run/programs.js';

/** Fixed options of `run` that take a value (needed to find the target before the full parse). */
const VALUE_OPTIONS = new Set([
  '--duration',
  '--interval',
  '--event-type',
  '--btf',
  '--uprobe',
  '--uprobe-pid',
  '--frequency',
  '--ifname',
  '--set',
  '--buffer-size',
  ...PROGRAM_VALUE_OPTIONS,
]);

function fixedOptions(cmd: Command): Command {
  return programOptions(cmd)
    .option('--json', 'print one JSON object per event (per line)')
    .option('--duration <seconds>', 'stop after this many seconds', parseSeconds)
    .option('--interval <seconds>', 'print aggregate and sampled maps every this many seconds', parseInterval)
    .option('-v, --verbose', "show libbpf's log (and the full verifier log on a rejection)")
    .option('--trace-pipe', 'print bpf_printk output (trace_pipe) even when the object has event maps')
    .option('--event-type <struct>', 'decode events as this struct from the object BTF')
    .option(
      '--btf <file>',
      'kernel BTF to use for CO-RE instead of /sys/kernel/btf/vmlinux (also: BPFKIT_BTF)',
    )
    .option('--uprobe <binary:symbol>', 'where uprobe programs without a target in their section attach')
    .option('--uprobe-pid <pid>', 'uprobes fire only in this process', (v) => parseInt10(v, '--uprobe-pid'))
    .option('--frequency <hz>', 'perf_event programs: samples per second per CPU', (v) =>
      parseInt10(v, '--frequency'),
    )
    .option(
      '--buffer-size <size>',
      'event rings: bytes per CPU of a perf buffer (default 256K), or the size of a ring buffer (e.g. 4M)',
      (v) => parseBufferSize(v),
    )
    .option('--ifname <name>', "xdp and tc programs: the network interface (default: the package's)")
    .option('--set <name=value>', 'set any global by name (repeatable)', (v: string, prev: string[] = []) => [
      ...prev,
      v,
    ]);
}

/** Registers `run`. The real parse happens once the target is known, since its globals add options. */
export function register(program: Command): void {
  program
    .command('run')
    .description('load a package, object file, URL or stdin (-), attach it and print its events')
    .argument('[target]', 'a .bpfkit.json / eunomia package.json, a .bpf.o object, an https URL, or -')
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .action(async (_target: string | undefined, _opts: unknown, cmd: Command) => {
      // No options are declared here, so commander hands every argument through in cmd.args.
      try {
        await runCommand(cmd.args);
      } catch (e) {
        throw asUsage(e);
      }
    });
}

/** Parses `args` (everything after `run`) and runs. */
export async function runCommand(args: string[]): Promise<void> {
  const source = findTarget(args);
  const wantsHelp = args.includes('--help') || args.includes('-h');
  if (!source) {
    const cmd = baseCommand();
    if (wantsHelp) {
      process.stdout.write(cmd.helpInformation());
      return;
    }
    throw new UsageError('run: missing target (a package, .bpf.o object, URL or -); see bpfkit run --help');
  }
  const target = await loadTarget(source);
  const spec = parseObject(target.object, target.source);
  const generated = globalOptions(spec, target.meta);
  const cmd = baseCommand();
  const about = target.meta?.description ?? target.meta?.brief;
  if (about) cmd.description(about);
  for (const g of generated) for (const o of optionsFor(g)) cmd.addOption(o);
  if (wantsHelp) {
    const details = target.meta?.details;
    process.stdout.write(cmd.helpInformation() + (details ? `\n${details}\n` : ''));
    return;
  }
  cmd.parse(args, { from: 'user' });
  const o = cmd.opts<Record<string, unknown>>();
  // Every value is checked against its BTF type here, on the spec: a bad one is told before root
  // or the kernel is needed.
  for (const g of generated) {
    let v = o[attributeName(g.long)];
    if (g.flag && o[attributeName(`enable-${g.long}`)]) v = true;
    if (g.flag && o[attributeName(`disable-${g.long}`)]) v = false;
    v ??= g.metaDefault;
    if (v !== undefined) spec.setGlobal(g.global.name, globalValue(g, v as Encodable), `--${g.long}`);
  }
  for (const kv of (o.set as string[] | undefined) ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new UsageError(`--set expects name=value, got '${kv}'`);
    spec.setGlobal(kv.slice(0, i), kv.slice(i + 1));
  }
  const settings: RunSettings = {
    json: Boolean(o.json),
    verbose: Boolean(o.verbose),
    durationSec: o.duration as number | undefined,
    intervalSec: o.interval as number | undefined,
    tracePipe: Boolean(o.tracePipe),
    eventType: o.eventType as string | undefined,
    btfPath: o.btf as string | undefined,
    uprobe: o.uprobe as string | undefined,
    uprobePid: o.uprobePid as number | undefined,
    frequency: o.frequency as number | undefined,
    ifname: o.ifname as string | undefined,
    programs: programSettings(o),
    bufferSize: o.bufferSize as number | undefined,
  };
  await runSession(target, spec, settings);
}

function baseCommand(): Command {
  return fixedOptions(
    new Command('bpfkit run')
      .usage('<target> [options]')
      .description('load a package, object file, URL or stdin (-), attach it and print its events')
      .argument('<target>', 'a .bpfkit.json / eunomia package.json, a .bpf.o object, an https URL, or -')
      .exitOverride()
      .configureOutput({ writeErr: (str) => process.stderr.write(str) }),
  );
}

/**
 * The commander options of a global. Bools are flags; they also take eunomia-bpf's spellings
 * `--enable-<name>` / `--disable-<name>` (hidden), so packages built by ecc run with their usual lines.
 */
function optionsFor(g: GlobalOption): Option[] {
  const flags = `${g.short ? `-${g.short}, ` : ''}--${g.long}${g.flag ? '' : ' <value>'}`;
  const help = [
    g.help || `set global ${g.global.name}`,
    `(${g.typeName}${g.defaultText ? `, default ${g.defaultText}` : ''})`,
  ].join(' ');
  const main = new Option(flags, help);
  if (!g.flag) return [main];
  return [main, new Option(`--enable-${g.long}`).hideHelp(), new Option(`--disable-${g.long}`).hideHelp()];
}

/** The name commander stores an option under (camelCase of its long name). */
function attributeName(long: string): string {
  return long.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** The target argument: the first operand that is not the value of an option. */
function findTarget(args: string[]): string | undefined {
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-') operands.push(a);
    else if (a.startsWith('-')) {
      if (VALUE_OPTIONS.has(a)) i++;
    } else operands.push(a);
  }
  return operands.find(looksLikeTarget) ?? operands[0];
}

function parseSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--duration: '${v}' is not a number of seconds`);
  return n;
}

function parseInterval(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--interval: '${v}' is not a positive number of seconds`);
  return n;
}

function parseInt10(v: string, what: string): number {
  if (!/^\d+$/.test(v)) throw new UsageError(`${what}: '${v}' is not a positive integer`);
  return Number(v);
}
