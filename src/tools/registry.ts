/**
 * The built-in tools by name, and the aliases that run them with preset options. Tool modules are
 * imported on demand, so naming one loads only that one. No kernel needed.
 */
import type { ToolEntry } from './define.js';

const LOADERS: Record<string, () => Promise<{ default: ToolEntry }>> = {
  bashreadline: () => import('./bashreadline.js'),
  biolatency: () => import('./biolatency.js'),
  capable: () => import('./capable.js'),
  cpudist: () => import('./cpudist.js'),
  drsnoop: () => import('./drsnoop.js'),
  execsnoop: () => import('./execsnoop.js'),
  exitsnoop: () => import('./exitsnoop.js'),
  hardirqs: () => import('./hardirqs.js'),
  mountsnoop: () => import('./mountsnoop.js'),
  oomkill: () => import('./oomkill.js'),
  opensnoop: () => import('./opensnoop.js'),
  profile: () => import('./profile.js'),
  runqlat: () => import('./runqlat.js'),
  runqslower: () => import('./runqslower.js'),
  sigsnoop: () => import('./sigsnoop.js'),
  softirqs: () => import('./softirqs.js'),
  statsnoop: () => import('./statsnoop.js'),
  syscount: () => import('./syscount.js'),
  tcpconnect: () => import('./tcpconnect.js'),
  tcplife: () => import('./tcplife.js'),
  tcpstates: () => import('./tcpstates.js'),
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
