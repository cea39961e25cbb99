/**
 * Which programs of an object to load: one choice per group of alternatives (the best one whose
 * hooks this kernel has, unless `--program` picks another), none the user turned off, and none whose
 * hook is missing while others remain. Pure: what the kernel has comes in through `missing`, and
 * programs that already failed to load through `failed`.
 */
import { BadValueError, NotFoundError } from '../errors/index.js';
import type { AlternativeGroup } from './alternatives.js';
import type { ProgramSpec } from './object.js';

/** What the user asked for by hand. */
export interface ProgramChoice {
  /** Programs to load (`--program`): their choice wins in their group. */
  include?: readonly string[];
  /** Programs not to load (`--no-program`). */
  exclude?: readonly string[];
}

/** Why a program is left out. */
export interface SkippedProgram {
  program: string;
  /** 'alternative': another choice of its group loads; 'excluded': --no-program; 'missing': its hook (or its load) failed. */
  why: 'alternative' | 'excluded' | 'missing';
  /** For 'missing', and for a better alternative passed over: the error its hook or its load gave. */
  reason?: Error;
}

/** The outcome: programs to load, and every program left out with why. */
export interface ProgramPlan {
  load: string[];
  skipped: SkippedProgram[];
  /** For each group, the choice taken (index into group.choices), or -1 when none can load. */
  picks: { group: AlternativeGroup; choice: number }[];
}

/**
 * Plans the load. `missing(p)` says why the kernel cannot run p's hook (undefined: it can);
 * `failed` holds programs whose load already failed, with the error. Throws NotFoundError or BadValueError for unknown
 * names or contradictory choices, and the first missing hook's error when nothing would be left.
 */
export function planPrograms(
  programs: readonly ProgramSpec[],
  groups: readonly AlternativeGroup[],
  choice: ProgramChoice,
  missing: (p: ProgramSpec) => Error | undefined,
  failed: ReadonlyMap<string, Error> = new Map(),
): ProgramPlan {
  const include = new Set(choice.include ?? []);
  const exclude = new Set(choice.exclude ?? []);
  checkNames(programs, include, exclude);
  const problem = (p: ProgramSpec): Error | undefined => failed.get(p.name) ?? missing(p);
  const byName = new Map(programs.map((p) => [p.name, p]));
  const skipped = new Map<string, SkippedProgram>();
  const picks: ProgramPlan['picks'] = [];
  for (const group of groups) {
    const pick = pickChoice(group, include, exclude, (n) => {
      const p = byName.get(n);
      return p && !include.has(n) ? problem(p) : failed.get(n);
    });
    picks.push({ group, choice: pick });
    // With no loadable choice, each program is judged on its own below (excluded or missing).
    if (pick < 0) continue;
    group.choices.forEach((c, i) => {
      if (i === pick) return;
      for (const n of c) {
        // A better choice passed over says why (its hook is missing, or it failed to load).
        const p = byName.get(n);
        const reason = i < pick && p ? problem(p) : undefined;
        skipped.set(
          n,
          reason ? { program: n, why: 'alternative', reason } : { program: n, why: 'alternative' },
        );
      }
    });
  }
  const load: string[] = [];
  for (const p of programs) {
    if (skipped.has(p.name)) continue;
    if (exclude.has(p.name)) {
      skipped.set(p.name, { program: p.name, why: 'excluded' });
      continue;
    }
    const reason = include.has(p.name) ? failed.get(p.name) : problem(p);
    if (reason) skipped.set(p.name, { program: p.name, why: 'missing', reason });
    else load.push(p.name);
  }
  if (!load.length) throw nothingLeft(programs, [...skipped.values()]);
  return { load, skipped: programs.flatMap((p) => skipped.get(p.name) ?? []), picks };
}

/** The choice of a group to load: the one --program names, else the first with a loadable program. */
function pickChoice(
  group: AlternativeGroup,
  include: ReadonlySet<string>,
  exclude: ReadonlySet<string>,
  problem: (name: string) => Error | undefined,
): number {
  const forced = group.choices.flatMap((c, i) => (c.some((n) => include.has(n)) ? [i] : []));
  if (forced.length > 1) {
    const names = forced.map((i) => group.choices[i].find((n) => include.has(n))!);
    throw new BadValueError(
      `--program ${names.join(' and --program ')}: they are alternatives for ${group.hook}; pick one`,
      { target: '--program', value: names },
    );
  }
  if (forced.length === 1) return forced[0];
  return group.choices.findIndex((c) => c.some((n) => !exclude.has(n) && !problem(n)));
}

function checkNames(programs: readonly ProgramSpec[], include: Set<string>, exclude: Set<string>): void {
  const known = new Set(programs.map((p) => p.name));
  for (const [flag, names] of [
    ['--program', include],
    ['--no-program', exclude],
  ] as const) {
    for (const n of names) {
      if (!known.has(n))
        throw new NotFoundError(`${flag}: no program '${n}' (programs: ${[...known].join(', ')})`, {
          what: 'program',
          key: n,
          available: [...known],
        });
      if (flag === '--program' && exclude.has(n))
        throw new BadValueError(`--program ${n} and --no-program ${n} contradict each other`, {
          target: '--program',
          value: n,
        });
    }
  }
}

/** The error for a plan with nothing to load: the first missing hook's, else a usage error. */
function nothingLeft(programs: readonly ProgramSpec[], skipped: SkippedProgram[]): Error {
  const first = skipped.find((s) => s.reason)?.reason;
  if (first) return first;
  return new BadValueError(
    `no program left to load (${programs.map((p) => p.name).join(', ')} are all turned off)`,
    { target: '--no-program', value: programs.map((p) => p.name) },
  );
}
