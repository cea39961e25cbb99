/**
 * Loading and attaching the programs a run should use, as real tools choose them: one program per
 * group of alternatives (tp_btf over raw_tp, signal_generate over the kill syscalls…; see
 * spec/alternatives.ts), the best this kernel has; `--program` / `--no-program` by hand; a program
 * whose hook is missing left out with a warning while others remain. When the chosen alternative
 * fails to load, the next one is tried. Needs what BpfObject.load needs.
 */
import { NotSupportedError } from '../errors/index.js';
import { hookMissing } from '../links/hook-support.js';
import type { AttachOptions, Link } from '../links/attach.js';
import { programAlternatives, type AlternativeGroup } from '../spec/alternatives.js';
import { planPrograms, type ProgramChoice, type ProgramPlan } from '../spec/program-plan.js';
import type { ProgramSpec } from '../spec/object.js';
import type { BpfObject } from './collection.js';

/** 'warn': a program left out that the user should hear about; 'info': a choice made (for -v). */
export type ChoiceReporter = (level: 'warn' | 'info', message: string) => void;

/** Options of loadChosen. */
export interface ChooseOptions extends ProgramChoice {
  /** Groups of alternatives (default: found from the object's programs). */
  groups?: readonly AlternativeGroup[];
  /** Hears every decision; the library itself never prints. */
  report?: ChoiceReporter;
  /** Why the kernel lacks a program's hook (default: links/hook-support.ts). */
  missing?: (p: ProgramSpec) => Error | undefined;
}

/** Chooses the programs, loads them (falling back to the next alternative on failure), and says what it chose. */
export function loadChosen(obj: BpfObject, opts: ChooseOptions = {}): ProgramPlan {
  const groups = opts.groups ?? programAlternatives(obj.spec.programs);
  const report = opts.report ?? (() => {});
  const seen = new Map<string, Error | undefined>();
  const missing = (p: ProgramSpec): Error | undefined => {
    if (!seen.has(p.name)) seen.set(p.name, (opts.missing ?? hookMissing)(p));
    return seen.get(p.name);
  };
  const failed = new Map<string, Error>();
  for (;;) {
    const plan = planPrograms(obj.spec.programs, groups, opts, missing, failed);
    for (const p of obj.spec.programs) obj.setAutoload(p.name, plan.load.includes(p.name));
    try {
      obj.load();
    } catch (e) {
      const next = fallback(obj, e, plan, groups, opts, missing, failed);
      if (!next) throw e;
      report('info', next);
      continue;
    }
    for (const line of describe(plan, obj.spec.programs)) report(line.level, line.message);
    return plan;
  }
}

/**
 * After a failed load: marks what failed so the next plan avoids it and returns a line saying so,
 * or undefined when there is nothing to fall back to (a program chosen by hand, a verifier
 * rejection with no alternative, or no program left).
 */
function fallback(
  obj: BpfObject,
  e: unknown,
  plan: ProgramPlan,
  groups: readonly AlternativeGroup[],
  opts: ProgramChoice,
  missing: (p: ProgramSpec) => Error | undefined,
  failed: Map<string, Error>,
): string | undefined {
  const name = (e as { program?: unknown }).program;
  if (!(e instanceof Error) || typeof name !== 'string' || opts.include?.includes(name)) return undefined;
  const pick = plan.picks.find((p) => p.choice >= 0 && p.group.choices[p.choice].includes(name));
  // A choice made by hand stands or falls as a whole.
  if (pick?.group.choices[pick.choice].some((n) => opts.include?.includes(n))) return undefined;
  const trial = new Map(failed);
  for (const n of pick ? pick.group.choices[pick.choice] : [name]) trial.set(n, e);
  let next: ProgramPlan;
  try {
    next = planPrograms(obj.spec.programs, groups, opts, missing, trial);
  } catch {
    return undefined;
  }
  const taken = pick && next.picks.find((p) => p.group === pick.group && p.choice >= 0);
  if (!taken && !(e instanceof NotSupportedError)) return undefined;
  for (const [k, v] of trial) failed.set(k, v);
  const why = e.message.replace(/ \(--verbose prints the full log\)$/, '');
  return taken
    ? `program '${name}' failed to load (${why}); trying ${quote(taken.group.choices[taken.choice])} instead`
    : `program '${name}' failed to load (${why}); going on without it`;
}

/** The lines that tell a plan: warnings for programs left out for a missing hook, the rest as info. */
function describe(
  plan: ProgramPlan,
  programs: readonly ProgramSpec[],
): { level: 'warn' | 'info'; message: string }[] {
  const kind = (n: string): string => programs.find((p) => p.name === n)?.attach ?? '?';
  const why = (n: string): string => {
    const r = plan.skipped.find((s) => s.program === n)?.reason;
    if (!r) return `'${n}' (${kind(n)})`;
    return `'${n}' (${kind(n)}: ${r instanceof NotSupportedError ? r.message : 'failed to load'})`;
  };
  const out: { level: 'warn' | 'info'; message: string }[] = [];
  for (const { group, choice } of plan.picks) {
    if (choice < 0) continue;
    const others = group.choices.filter((_, i) => i !== choice).flat();
    out.push({
      level: 'info',
      message: `${group.hook}: loading ${quote(group.choices[choice], kind)}; not ${others.map(why).join(', ')}`,
    });
  }
  for (const s of plan.skipped) {
    if (s.why === 'missing')
      out.push({
        level: 'warn',
        message: `program '${s.program}' skipped: ${s.reason?.message ?? 'its hook is missing'}`,
      });
    else if (s.why === 'excluded')
      out.push({ level: 'info', message: `program '${s.program}' not loaded (--no-program)` });
  }
  return out;
}

function quote(names: readonly string[], kind?: (n: string) => string): string {
  return names.map((n) => `'${n}'${kind ? ` (${kind(n)})` : ''}`).join(', ');
}

/**
 * Attaches every loaded program. A program whose hook turns out to be missing at attach time is
 * skipped with a warning while others attach, unless it was chosen with --program; when none
 * attaches, the first error is thrown.
 */
export function attachChosen(
  obj: BpfObject,
  opts: AttachOptions & { include?: readonly string[]; report?: ChoiceReporter } = {},
): Link[] {
  const links: Link[] = [];
  let first: unknown;
  for (const p of obj.programs) {
    if (!p.autoload) continue;
    try {
      links.push(...obj.attach(p.spec.name, opts));
    } catch (e) {
      if (!(e instanceof NotSupportedError) || opts.include?.includes(p.spec.name)) throw e;
      first ??= e;
      opts.report?.('warn', `program '${p.spec.name}' skipped: ${e.message}`);
    }
  }
  if (!links.length && first) throw first;
  return links;
}
