/**
 * Chooses, for one run of a tool, which of its programs to load: for every hook the options ask
 * for, the first alternative whose every section this kernel supports (tp_btf before raw_tp), the
 * hook skipped when it is optional and missing, a NotSupportedError naming the reason when it is
 * required. Kernel support comes from kernel.ts (cached: each hook is probed once).
 */
import { FormatError, NotSupportedError } from '../errors/index.js';
import type { ProgramSpec } from '../spec/object.js';
import { hookSupport } from './kernel.js';
import type { HookSpec } from './types.js';

/** The programs to load and, for -v, one line per hook saying what was chosen. */
export interface HookPlan {
  programs: Set<string>;
  lines: string[];
}

/** How one hook fares on this kernel. */
export interface HookChoice {
  /** Index in `use` of the alternative chosen, or -1 when none works. */
  chosen: number;
  /** Why each alternative before the chosen one (or every one, when none works) cannot be used. */
  reasons: string[];
}

/** Evaluates a hook's alternatives on this kernel. */
export function chooseHook(hook: HookSpec<never>): HookChoice {
  const reasons: string[] = [];
  for (let i = 0; i < hook.use.length; i++) {
    const failed = hook.use[i].map(hookSupport).find((s) => !s.ok);
    if (!failed) return { chosen: i, reasons };
    reasons.push(failed.ok ? '' : failed.reason);
  }
  return { chosen: -1, reasons };
}

/** Plans a run with options `o`; throws NotSupportedError when a required hook is missing here. */
export function planHooks<O>(hooks: HookSpec<O>[], programs: ProgramSpec[], o: O): HookPlan {
  const plan: HookPlan = { programs: new Set(), lines: [] };
  const bySection = new Map(programs.map((p) => [p.section, p.name]));
  for (const hook of hooks) {
    if (hook.when && !hook.when(o)) continue;
    const { chosen, reasons } = chooseHook(hook as HookSpec<never>);
    if (chosen < 0) {
      const why = [...new Set(reasons)].join('; ');
      if (!hook.optional)
        throw new NotSupportedError(`cannot trace ${hook.what} on this kernel: ${why}`, why);
      plan.lines.push(`${hook.what}: skipped (${why})`);
      continue;
    }
    for (const section of hook.use[chosen]) {
      const name = bySection.get(section);
      if (!name) throw new FormatError(`the tool's package has no program in section ${section}; rebuild it`);
      plan.programs.add(name);
    }
    const fallback = chosen > 0 ? ` (not ${hook.use[chosen - 1].join(', ')}: ${reasons[chosen - 1]})` : '';
    plan.lines.push(`${hook.what}: ${hook.use[chosen].join(', ')}${fallback}`);
  }
  return plan;
}
