/**
 * The `bpfkit` command line: wires the subcommands and turns every failure into one line on stderr
 * with the right exit status (1 failure, 2 bad usage) instead of a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { reportFailure } from './report.js';
import { installProcessHandlers } from './process.js';
import { TOOL_NAMES, toolFor } from '../tools/registry.js';

type CommandModule = { register(program: Command): void };

/**
 * The subcommand modules, by the command each registers. They are imported on demand: a command
 * line naming one of them loads only that one (each pulls in its own dependencies, e.g. koffi,
 * and `bpfkit build` must start fast); help and anything else load them all.
 */
const COMMANDS: [string, () => Promise<CommandModule>][] = [
  ['run', () => import('./commands/run.js')],
  ['build', () => import('./commands/build.js')],
  ['gen', () => import('./commands/gen.js')],
  ['btf', () => import('./commands/btf.js')],
  ['prog', () => import('./commands/prog.js')],
  ['map', () => import('./commands/map.js')],
  ['inspect', () => import('./commands/inspect.js')],
  ['probes', () => import('./commands/probes.js')],
  ['tools', () => import('./commands/tools.js')],
  ['export', () => import('./commands/export.js')],
];

/** Other names of commands (commander aliases), so naming one loads only its module. */
const COMMAND_ALIASES: Record<string, string> = { list: 'tools' };

/** Package version, read from package.json. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

const loaded = new Map<string, CommandModule>();

/** Imports the subcommand modules (only `only` when given) that are not loaded yet. */
export async function loadCommands(only?: string): Promise<void> {
  const wanted = COMMANDS.filter(([name]) => (!only || name === only) && !loaded.has(name));
  const mods = await Promise.all(wanted.map(([, load]) => load()));
  wanted.forEach(([name], i) => loaded.set(name, mods[i]));
}

/** The subcommand `argv` names, if it names one of COMMANDS. */
function commandOf(argv: string[]): string | undefined {
  const name = COMMAND_ALIASES[argv[0]] ?? argv[0];
  return COMMANDS.some(([n]) => n === name) ? name : undefined;
}

/**
 * The built-in tool a command line runs: `bpfkit <tool> …`, or `bpfkit run <tool> …` when no file
 * of that name exists (a package path always wins).
 */
function toolOf(argv: string[]): { invoked: string; args: string[] } | undefined {
  if (argv[0] && toolFor(argv[0])) return { invoked: argv[0], args: argv.slice(1) };
  if (argv[0] === 'run' && argv[1] && toolFor(argv[1]) && !existsSync(argv[1]))
    return { invoked: argv[1], args: argv.slice(2) };
  return undefined;
}

/**
 * Builds the commander program with the loaded subcommands registered (see loadCommands), or only
 * `only` when given.
 */
export function buildProgram(only?: string): Command {
  const program = new Command('bpfkit')
    .description('Write, build, run and inspect eBPF tracing programs')
    .version(version(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `\nBuilt-in tools: bpfkit <tool> [options], one of ${TOOL_NAMES.join(', ')} (see bpfkit tools)`,
    )
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const [name] of COMMANDS) {
    const mod = loaded.get(name);
    if (mod && (!only || name === only)) mod.register(program);
  }
  // Subcommands inherit exit override so commander never calls process.exit behind our back.
  for (const c of program.commands) c.exitOverride();
  return program;
}

/** Prints an error the way users expect from a Unix tool and returns the exit status. */
function reportError(e: unknown): number {
  if (e instanceof CommanderError) {
    // commander already printed its message (or help/version, which are exit 0).
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')
      return 0;
    return e.exitCode === 0 ? 0 : 2;
  }
  return reportFailure(e);
}

/** Entry point: parses argv and runs the chosen command. */
export async function main(argv: string[]): Promise<number> {
  installProcessHandlers();
  const tool = toolOf(argv);
  if (tool) return (await import('./commands/tools.js')).runToolCommand(tool.invoked, tool.args);
  try {
    const only = commandOf(argv);
    // Only await when something is missing, so later calls run exactly as a synchronous setup would.
    if (only ? !loaded.has(only) : loaded.size < COMMANDS.length) await loadCommands(only);
    await buildProgram(only).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    return reportError(e);
  }
}
