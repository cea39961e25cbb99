/**
 * `bpfkit tools`: every built-in tool with its description, the hooks it needs (alternatives in
 * order of preference) and whether this kernel can run it, and why not. Reads tracefs and the
 * kernel's BTF, and probes tp_btf once per tracepoint (root for that probe).
 */
import type { ToolEntry } from './define.js';
import { chooseHook } from './hooks.js';

/** One hook of a tool as listed. */
export interface ListedHook {
  what: string;
  /** Alternatives, best first, each the sections used together. */
  use: string[][];
  optional: boolean;
  /** When the hook is used, if not always ("with -k"). */
  when?: string;
  /** The alternative this kernel would use (its sections joined by ", "), or null when none works. */
  chosen: string | null;
  /** Why better alternatives (or all, when chosen is null) cannot be used. */
  reasons: string[];
}

/** One tool as listed. */
export interface ListedTool {
  name: string;
  aliases: string[];
  description: string;
  hooks: ListedHook[];
  /** False when a hook the tool always needs is missing here; `reason` says which and why. */
  runnable: boolean;
  reason?: string;
}

/** Evaluates every tool on this kernel. */
export function listTools(tools: ToolEntry[]): ListedTool[] {
  return tools.map((t) => {
    const hooks = t.hooks.map((h): ListedHook => {
      const { chosen, reasons } = chooseHook(h);
      return {
        what: h.what,
        use: h.use,
        optional: !!h.optional,
        ...(h.whenText ? { when: h.whenText } : {}),
        chosen: chosen < 0 ? null : h.use[chosen].join(', '),
        reasons,
      };
    });
    const missing = hooks.find((h) => h.chosen === null && !h.optional && !h.when);
    return {
      name: t.name,
      aliases: Object.keys(t.aliases),
      description: t.summary,
      hooks,
      runnable: !missing,
      ...(missing ? { reason: `${missing.what}: ${[...new Set(missing.reasons)].join('; ')}` } : {}),
    };
  });
}

/** The listing as text: a line per tool, then its hooks indented, alternatives joined by " | ". */
export function formatToolList(list: ListedTool[]): string {
  const width = Math.max(...list.map((t) => t.name.length)) + 2;
  const out: string[] = [];
  for (const t of list) {
    const also = t.aliases.length ? ` (also: ${t.aliases.join(', ')})` : '';
    out.push(`${t.name.padEnd(width)}${t.description}${also}`);
    if (!t.runnable) out.push(`${''.padEnd(width)}CANNOT RUN HERE: ${t.reason}`);
    for (const h of t.hooks) {
      const tags = [h.optional ? 'optional' : '', h.when ?? ''].filter(Boolean).join(', ');
      const state =
        h.chosen === null
          ? `missing: ${[...new Set(h.reasons)].join('; ')}`
          : h.use.length > 1
            ? `uses ${h.chosen}`
            : 'ok';
      const alts = h.use.map((a) => a.join(' + ')).join(' | ');
      out.push(`${''.padEnd(width)}  ${h.what}${tags ? ` (${tags})` : ''}: ${alts}  [${state}]`);
    }
  }
  return out.join('\n') + '\n';
}
