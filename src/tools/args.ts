/**
 * Command lines of the built-in tools, parsed the way libbpf-tools' GNU argp parses theirs: short
 * options clustered (`-Tx`) or with attached values (`-p123`), long options as `--pid 1` or
 * `--pid=1` and abbreviated to any unambiguous prefix (`--time`), `--` ending options, `-?`/`--help`,
 * `--usage`, `-V`/`--version`, and usage errors in getopt's words with exit status 64. commander holds
 * the option definitions and assigns the values; a first pass over argv does what commander does
 * differently from getopt (abbreviations, the order errors and --help are noticed in). No kernel needed.
 */
import { Command, CommanderError, Option } from 'commander';
import { ToolUsageError } from '../errors/index.js';
import { entryOf } from './help.js';
import type { ToolOption } from './types.js';

/** What the command line asked for. */
export type ArgsOutcome =
  | { kind: 'run'; options: Record<string, unknown>; operands: string[] }
  | { kind: 'help' | 'usage' | 'version' };

/** The options a command line is checked against. */
export interface ArgsSpec {
  options: ToolOption[];
  maxOperands: number;
  /** Message (with %s for the operand) when an operand is one too many; default getopt's "Too many arguments". */
  extraOperandMessage?: string;
}

/** What each standard option asks for. */
const STANDARD: Record<string, 'help' | 'usage' | 'version'> = {
  '?': 'help',
  h: 'help',
  help: 'help',
  usage: 'usage',
  V: 'version',
  version: 'version',
};

/** Parses `argv` (the arguments after the tool name); throws ToolUsageError on bad usage. */
export function parseArgs(spec: ArgsSpec, argv: string[]): ArgsOutcome {
  const tokens = firstPass(spec.options, argv);
  if (!Array.isArray(tokens)) return tokens;
  const cmd = new Command()
    .exitOverride()
    .helpOption(false)
    .allowExcessArguments(true)
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} });
  for (const o of spec.options) {
    const opt = new Option(o.flags, o.help);
    if (o.parse) opt.argParser(o.parse);
    cmd.addOption(opt);
  }
  try {
    cmd.parse(tokens, { from: 'user' });
  } catch (e) {
    // The first pass already reported what getopt would; anything else is commander's own word.
    if (e instanceof CommanderError) throw new ToolUsageError(e.message.replace(/^error: /, ''), 'prefix');
    throw e;
  }
  const operands = cmd.args;
  if (operands.length > spec.maxOperands) {
    const extra = operands[spec.maxOperands];
    if (spec.extraOperandMessage) throw new ToolUsageError(spec.extraOperandMessage.replace('%s', extra));
    throw new ToolUsageError('Too many arguments', 'prefix');
  }
  return { kind: 'run', options: cmd.opts(), operands };
}

interface Known {
  short: Map<string, boolean>;
  long: Map<string, boolean>;
}

function known(options: ToolOption[]): Known {
  const k: Known = { short: new Map(), long: new Map() };
  for (const o of options) {
    const e = entryOf(o);
    if (e.short) k.short.set(e.short, e.arg !== undefined);
    if (e.long) k.long.set(e.long, e.arg !== undefined);
  }
  return k;
}

/**
 * Walks argv as getopt_long would: expands abbreviated long options, stops at the first
 * help/usage/version request or getopt-level error. Returns the argv to hand to commander.
 */
function firstPass(options: ToolOption[], argv: string[]): string[] | { kind: 'help' | 'usage' | 'version' } {
  const k = known(options);
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = longName(k, eq < 0 ? a.slice(2) : a.slice(2, eq));
      const takesValue = k.long.get(name)!;
      if (STANDARD[name] && eq < 0) return { kind: STANDARD[name] };
      if (!takesValue && eq >= 0)
        throw new ToolUsageError(`option '--${name}' doesn't allow an argument`, 'prefix');
      if (takesValue && eq < 0 && i + 1 >= argv.length)
        throw new ToolUsageError(`option '--${name}' requires an argument`, 'prefix');
      out.push(`--${name}${eq < 0 ? '' : a.slice(eq)}`);
      if (takesValue && eq < 0) out.push(argv[++i]);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      const r = shortCluster(k, a, argv[i + 1]);
      if (typeof r === 'object') return r;
      out.push(a);
      if (r) out.push(argv[++i]);
      continue;
    }
    out.push(a);
  }
  return out;
}

/** The full long option `given` abbreviates; throws getopt's message when none or several match. */
function longName(k: Known, given: string): string {
  if (k.long.has(given)) return given;
  const matches = [...k.long.keys()].filter((n) => n.startsWith(given));
  if (matches.length === 1) return matches[0];
  if (matches.length === 0) throw new ToolUsageError(`unrecognized option '--${given}'`, 'prefix');
  throw new ToolUsageError(
    `option '--${given}' is ambiguous; possibilities:${matches.map((m) => ` '--${m}'`).join('')}`,
    'prefix',
  );
}

/**
 * Checks a cluster of short options (`-Tx`, `-p123`); returns whether the next argument is the
 * value of its last option, or the standard request it holds.
 */
function shortCluster(
  k: Known,
  a: string,
  next: string | undefined,
): boolean | { kind: 'help' | 'usage' | 'version' } {
  for (let j = 1; j < a.length; j++) {
    const c = a[j];
    if (!k.short.has(c)) throw new ToolUsageError(`invalid option -- '${c}'`, 'prefix');
    if (STANDARD[c]) return { kind: STANDARD[c] };
    if (k.short.get(c)) {
      if (j + 1 < a.length) return false;
      if (next === undefined) throw new ToolUsageError(`option requires an argument -- '${c}'`, 'prefix');
      return true;
    }
  }
  return false;
}
