/**
 * The `bpfkit` command line: wires the subcommands and turns every failure into one line on stderr
 * with the right exit status (1 failure, 2 bad usage) instead of a stack trace.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { BpfkitError } from '../errors/index.js';
import { register as registerRun } from './commands/run.js';
import { register as registerBuild } from './commands/build.js';
import { register as registerBtf } from './commands/btf.js';
import { register as registerProg } from './commands/prog.js';
import { register as registerMap } from './commands/map.js';
import { register as registerInspect } from './commands/inspect.js';
import { register as registerProbes } from './commands/probes.js';

/** Package version, read from package.json. */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Builds the commander program with every subcommand registered. */
export function buildProgram(): Command {
  const program = new Command('bpfkit')
    .description('Write, build, run and inspect eBPF tracing programs')
    .version(version(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  for (const reg of [
    registerRun,
    registerBuild,
    registerBtf,
    registerProg,
    registerMap,
    registerInspect,
    registerProbes,
  ]) {
    reg(program);
  }
  // Subcommands inherit exit override so commander never calls process.exit behind our back.
  for (const c of program.commands) c.exitOverride();
  return program;
}

/** Prints an error the way users expect from a Unix tool and returns the exit status. */
export function reportError(e: unknown): number {
  if (e instanceof CommanderError) {
    // commander already printed its message (or help/version, which are exit 0).
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help')
      return 0;
    return e.exitCode === 0 ? 0 : 2;
  }
  if (e instanceof BpfkitError) {
    process.stderr.write(`bpfkit: ${e.message}\n`);
    if (process.env.BPFKIT_DEBUG && e.stack) process.stderr.write(`${e.stack}\n`);
    return e.exitCode;
  }
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`bpfkit: ${msg}\n`);
  if (process.env.BPFKIT_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return 1;
}

/** Entry point: parses argv and runs the chosen command. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    return reportError(e);
  }
}
