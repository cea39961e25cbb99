/**
 * Alternatives among an object's programs: programs that see the same events through different
 * hooks, of which only one should run (loading both counts every event twice). Found from the object
 * alone, without the kernel:
 *
 * - same hook: one tracepoint through tp_btf, raw_tp or a classic tracepoint; one kernel function
 *   through fentry or kprobe (fexit or kretprobe on its return);
 * - same stem: the same function name once `handle_`, `tp_btf_`, `_btf`, `_raw`… are stripped, in
 *   the same hook family but another attach kind;
 * - overlapping hooks (a short table of kernel facts): `signal:signal_generate` fires for every
 *   signal the kill, tkill and tgkill system calls send, so sigsnoop's signal_generate program and
 *   its syscall tracepoint programs are two ways to watch the same signals.
 *
 * Two programs of one attach kind on one hook are never alternatives: an author who writes two of
 * the same kind means both.
 */
import type { AttachKind } from './sections.js';
import type { ProgramSpec } from './object.js';

/** One set of alternatives: `choices[0]` is preferred; each choice is a set of programs loaded together. */
export interface AlternativeGroup {
  /** What the choices hook, for messages ("sched_switch", "signals sent"). */
  hook: string;
  /** How the group was found. */
  rule: 'same-hook' | 'same-stem' | 'overlap';
  /** Program names per choice, best first. */
  choices: string[][];
}

/** Hook families and the preference of each attach kind in them (lower is better). */
const FAMILY: Partial<Record<AttachKind, { family: string; rank: number }>> = {
  tp_btf: { family: 'tracepoint', rank: 0 },
  raw_tracepoint: { family: 'tracepoint', rank: 1 },
  tracepoint: { family: 'tracepoint', rank: 2 },
  fentry: { family: 'entry', rank: 0 },
  kprobe: { family: 'entry', rank: 1 },
  fexit: { family: 'return', rank: 0 },
  kretprobe: { family: 'return', rank: 1 },
};

/** Hooks that see the same events, each side a test on a program (see the module comment). */
const OVERLAPS: { hook: string; sides: ((p: ProgramSpec) => boolean)[] }[] = [
  {
    hook: 'signals sent (signal_generate, or the kill/tkill/tgkill system calls)',
    sides: [
      (p) => FAMILY[p.attach]?.family === 'tracepoint' && eventName(p) === 'signal_generate',
      (p) => p.attach === 'tracepoint' && /^syscalls\/sys_(enter|exit)_(kill|tkill|tgkill)$/.test(p.target),
    ],
  },
];

const STEM_PREFIXES =
  /^(handle_+|tp_btf_+|btf_+|raw_tp_+|raw_+|tracepoint_+|tp_+|kprobe_+|fentry_+|kretprobe_+|fexit_+)/;
const STEM_SUFFIXES = /(_+(btf|raw|raw_tp|rawtp|tp_btf|tp|tracepoint|fentry|kprobe|fexit|kretprobe))$/;

/** A program name without the prefixes and suffixes that say its attach kind (`handle_sched_switch` → `sched_switch`). */
export function programStem(name: string): string {
  let s = name;
  for (let prev = ''; prev !== s;) {
    prev = s;
    s = s.replace(STEM_PREFIXES, '').replace(STEM_SUFFIXES, '');
  }
  return s || name;
}

/** The event or function a program hooks (`syscalls/sys_enter_kill` → `sys_enter_kill`), without module prefixes. */
function eventName(p: ProgramSpec): string {
  return p.target.replace(/^.*[/:]/, '');
}

/** The groups of alternatives among `programs` (an ObjectSpec's), in program order. */
export function programAlternatives(programs: readonly ProgramSpec[]): AlternativeGroup[] {
  const groups: AlternativeGroup[] = [];
  const taken = new Set<string>();
  for (const o of OVERLAPS) {
    const sides = o.sides.map((test) => programs.filter((p) => test(p)).map((p) => p.name));
    if (sides.filter((s) => s.length).length < 2) continue;
    groups.push({ hook: o.hook, rule: 'overlap', choices: sides.filter((s) => s.length) });
    for (const s of sides) for (const n of s) taken.add(n);
  }
  groups.push(...twinGroups(programs.filter((p) => !taken.has(p.name))));
  return groups;
}

/** Groups of programs of one family and different attach kinds joined by the same hook or stem. */
function twinGroups(programs: readonly ProgramSpec[]): AlternativeGroup[] {
  const parent = programs.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (let i = 0; i < programs.length; i++) {
    for (let j = i + 1; j < programs.length; j++) {
      if (areTwins(programs[i], programs[j])) parent[find(j)] = find(i);
    }
  }
  const members = new Map<number, ProgramSpec[]>();
  programs.forEach((p, i) => members.set(find(i), [...(members.get(find(i)) ?? []), p]));
  const out: AlternativeGroup[] = [];
  for (const ps of members.values()) {
    if (ps.length < 2) continue;
    const byKind = new Map<AttachKind, string[]>();
    for (const p of [...ps].sort((x, y) => FAMILY[x.attach]!.rank - FAMILY[y.attach]!.rank))
      byKind.set(p.attach, [...(byKind.get(p.attach) ?? []), p.name]);
    const hooks = [...new Set(ps.map(eventName))];
    out.push({
      hook: hooks.join(', '),
      rule: hooks.length === 1 ? 'same-hook' : 'same-stem',
      choices: [...byKind.values()],
    });
  }
  return out;
}

/** Whether two programs are one hook (or one stem) through two attach kinds of the same family. */
function areTwins(a: ProgramSpec, b: ProgramSpec): boolean {
  const fa = FAMILY[a.attach];
  const fb = FAMILY[b.attach];
  if (!fa || !fb || fa.family !== fb.family || a.attach === b.attach) return false;
  const hook = eventName(a);
  return (hook !== '' && hook === eventName(b)) || programStem(a.name) === programStem(b.name);
}
