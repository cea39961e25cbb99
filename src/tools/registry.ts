/**
 * The built-in tools by name, and the aliases that run them with preset options. Tool modules are
 * imported on demand, so naming one loads only that one. No kernel needed.
 */
import type { ToolEntry } from './define.js';

const LOADERS: Record<string, () => Promise<{ default: ToolEntry }>> = {
  execsnoop: () => import('./execsnoop.js'),
  exitsnoop: () => import('./exitsnoop.js'),
  opensnoop: () => import('./opensnoop.js'),
  sigsnoop: () => import('./sigsnoop.js'),
  syscount: () => import('./syscount.js'),
};

/** Alias → tool; the tool's `aliases` say which options the alias presets. */
const ALIASES: Record<string, string> = { killsnoop: 'sigsnoop' };

/** The tools' names, sorted. */
export const TOOL_NAMES: readonly string[] = Object.keys(LOADERS).sort();

/** The tool `name` runs (itself, or the tool it is an alias of), or undefined when it is neither. */
export function toolFor(name: string): string | undefined {
  if (Object.hasOwn(LOADERS, name)) return name;
  return Object.hasOwn(ALIASES, name) ? ALIASES[name] : undefined;
}

/** Loads tool `name` (or the tool alias `name` runs); undefined when there is no such tool. */
export async function loadTool(name: string): Promise<ToolEntry | undefined> {
  const tool = toolFor(name);
  return tool ? (await LOADERS[tool]()).default : undefined;
}

/** Loads every tool, in name order. */
export async function allTools(): Promise<ToolEntry[]> {
  return Promise.all(TOOL_NAMES.map(async (n) => (await LOADERS[n]()).default));
}
