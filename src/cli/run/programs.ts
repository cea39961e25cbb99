/**
 * The run command's choice of programs and map sizes: `--program` / `--no-program`, the package's
 * groups of alternatives (or the object's own), `--max-entries name=N`, and the lines that tell the
 * user what was chosen (warnings always, the rest with -v).
 */
import { Option, type Command } from 'commander';
import type { BpfObject } from '../../object/collection.js';
import { attachChosen, loadChosen, type ChoiceReporter } from '../../object/choose.js';
import type { AttachOptions, Link } from '../../links/attach.js';
import { programAlternatives, type AlternativeGroup } from '../../spec/alternatives.js';
import { defaultMapSize, parseMaxEntries } from '../../spec/map-sizes.js';
import type { ObjectSpec } from '../../spec/object.js';
import type { PackageMeta } from '../../package/types.js';

/** What the user chose about programs and map sizes. */
export interface ProgramSettings {
  /** --program (repeatable). */
  include: string[];
  /** --no-program (repeatable). */
  exclude: string[];
  /** --max-entries name=N (repeatable), as given. */
  maxEntries: string[];
}

/** Options of `run` that take a value, added here (for finding the target before the full parse). */
export const PROGRAM_VALUE_OPTIONS = ['--program', '--no-program', '--max-entries'];

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Adds --program, --no-program and --max-entries to the run command. */
export function programOptions(cmd: Command): Command {
  // commander reads "--no-x" as the negation of "--x"; this one takes a name and keeps its own value.
  const no = new Option('--no-program <name>', 'do not load this program (repeatable)').argParser(collect);
  no.negate = false;
  no.attributeName = () => 'noProgram';
  return cmd
    .addOption(
      new Option(
        '--program <name>',
        'load this program rather than its alternatives for the same hook (repeatable)',
      ).argParser(collect),
    )
    .addOption(no)
    .addOption(
      new Option(
        '--max-entries <name=N>',
        'entries of map name (a ring buffer: bytes); maps sized at run time default to 10240 (repeatable)',
      ).argParser(collect),
    );
}

/** The settings from parsed options. */
export function programSettings(o: Record<string, unknown>): ProgramSettings {
  return {
    include: (o.program as string[] | undefined) ?? [],
    exclude: (o.noProgram as string[] | undefined) ?? [],
    maxEntries: (o.maxEntries as string[] | undefined) ?? [],
  };
}

/** Writes what was chosen to stderr: warnings always, the rest with verbose. */
export function stderrReporter(verbose: boolean): ChoiceReporter {
  return (level, message) => {
    if (level === 'warn') process.stderr.write(`bpfkit: warning: ${message}\n`);
    else if (verbose) process.stderr.write(`bpfkit: ${message}\n`);
  };
}

/** Sizes the maps, chooses the programs and loads them (see object/choose.ts). */
export function loadPrograms(
  obj: BpfObject,
  spec: ObjectSpec,
  meta: PackageMeta | undefined,
  s: ProgramSettings,
  report: ChoiceReporter,
): void {
  const sizes = parseMaxEntries(s.maxEntries, spec.maps);
  for (const [name, n] of sizes) obj.setMaxEntries(name, n);
  for (const m of spec.maps) {
    const d = defaultMapSize(m);
    if (!d || m.section !== '.maps') continue;
    if (d.maxEntries !== undefined && !sizes.has(m.name))
      report(
        'info',
        `map '${m.name}': max_entries is left to user space; using ${d.maxEntries} (--max-entries ${m.name}=N)`,
      );
    if (d.valueSize !== undefined)
      report('info', `map '${m.name}': value_size is left to user space; using ${d.valueSize}`);
  }
  loadChosen(obj, {
    include: s.include,
    exclude: s.exclude,
    groups: groupsOf(spec, meta),
    report,
  });
}

/** Attaches the loaded programs, skipping (with a warning) one whose hook turns out to be missing. */
export function attachPrograms(
  obj: BpfObject,
  opts: AttachOptions,
  s: ProgramSettings,
  report: ChoiceReporter,
): Link[] {
  return attachChosen(obj, { ...opts, include: s.include, report });
}

/** The package's groups (restricted to programs the object has), else the object's own. */
function groupsOf(spec: ObjectSpec, meta: PackageMeta | undefined): AlternativeGroup[] {
  if (!meta?.alternatives) return programAlternatives(spec.programs);
  const known = new Set(spec.programs.map((p) => p.name));
  return meta.alternatives
    .map((g) => ({
      ...g,
      choices: g.choices.map((c) => c.filter((n) => known.has(n))).filter((c) => c.length),
    }))
    .filter((g) => g.choices.length > 1);
}
