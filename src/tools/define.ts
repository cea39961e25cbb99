/**
 * Turns a tool's declaration into what the registry and the CLI use: its listing data and a
 * `main` that parses a command line, prints --help/--usage/--version, and runs. Exit statuses are
 * libbpf-tools': 0 on success and Ctrl-C, 1 on a failure, 64 on bad usage (ToolUsageError, which
 * the CLI prints with its usage lines).
 */
import { parseArgs } from './args.js';
import { BUFFER_SIZE_OPTION, HIDDEN_H, JSON_OPTION, STANDARD_OPTIONS, VERBOSE } from './common.js';
import { renderHelp, renderUsage } from './help.js';
import { runAggregator } from './aggregate.js';
import { runCollector, runTool, type CommonOptions, type ToolIo } from './session.js';
import type { AggregatorTool, CollectorTool, HookSpec, Tool, ToolBase, ToolOption } from './types.js';

/** How a tool prints: see ToolEntry.kind. */
export type ToolKind = 'events' | 'aggregate' | 'collect';

/** A tool as the registry, `bpfkit tools` and the CLI see it. */
export interface ToolEntry {
  name: string;
  /**
   * 'events': a row per ring-buffer record; 'aggregate': reports read from maps every interval;
   * 'collect': the tool reads its own maps and prints by itself (no `events` ring buffer).
   */
  kind: ToolKind;
  summary: string;
  aliases: Record<string, string[]>;
  /** The hooks, for listing (`when` dropped; see whenText). */
  hooks: HookSpec<never>[];
  /**
   * Runs the command line `argv` (after the tool name) as `invoked` (the tool's name or an alias);
   * resolves with 0 when done (help printed, or traced until stopped). Throws ToolUsageError on bad
   * usage and BpfkitError on a failure.
   */
  main(invoked: string, argv: string[], io: ToolIo): Promise<number>;
}

/** What a tool declares in its options plus the ones every tool gets. */
function allOptions(tool: ToolBase<never>): { own: ToolOption[]; extras: ToolOption[] } {
  const own = [...tool.options.filter((o) => !o.extra), VERBOSE, HIDDEN_H];
  const extras = [JSON_OPTION, BUFFER_SIZE_OPTION, ...tool.options.filter((o) => o.extra)];
  return { own, extras };
}

/** How usage lines name a tool run as `invoked`: the command line that runs it. */
export function displayName(invoked: string): string {
  return `bpfkit ${invoked}`;
}

/** Wraps an event tracer's declaration (see types.ts). */
export function defineTool<O extends CommonOptions, E>(tool: Tool<O, E>): ToolEntry {
  return defineEntry(tool, 'events', (o, _operands, io) => runTool(tool, o, io));
}

/** Wraps an aggregator's declaration (see types.ts): its operands are its interval and count. */
export function defineAggregator<O extends CommonOptions>(tool: AggregatorTool<O>): ToolEntry {
  return defineEntry(tool, 'aggregate', (o, operands, io) => runAggregator(tool, o, operands, io));
}

/** Wraps a collector's declaration (see types.ts): it prints from its own maps (profile). */
export function defineCollector<O extends CommonOptions>(tool: CollectorTool<O>): ToolEntry {
  return defineEntry(tool, 'collect', (o, _operands, io) => runCollector(tool, o, io));
}

/**
 * The entry of `tool`, which `run` runs once the command line asks for a run (with the options,
 * its operands already merged in by `tool.operands`, and the operands themselves). For a tool that
 * does something before its runner (syscount -l); the define* functions above cover the rest.
 */
export function defineEntry<O extends CommonOptions>(
  tool: ToolBase<O>,
  kind: ToolKind,
  run: (o: O, operands: string[], io: ToolIo) => Promise<void>,
): ToolEntry {
  const erased = tool as unknown as ToolBase<never>;
  const { own, extras } = allOptions(erased);
  const help = (invoked: string): string =>
    renderHelp({
      prog: displayName(invoked),
      summary: tool.summary,
      usage: tool.usage,
      options: own,
      extras,
      standard: STANDARD_OPTIONS,
      sections: [
        [`Compared with libbpf-tools' ${tool.name}:`, tool.notes],
        ['JSON fields (--json, one object per line):', tool.jsonFields.map(([f, m]) => `${f}: ${m}`)],
      ],
    });
  return {
    name: tool.name,
    kind,
    summary: tool.summary,
    aliases: tool.aliases ?? {},
    hooks: erased.hooks,
    ...('run' in tool ? { collector: true as const } : {}),
    async main(invoked, argv, io) {
      const preset = tool.aliases?.[invoked] ?? [];
      const r = parseArgs(
        {
          options: [...own, ...extras, ...STANDARD_OPTIONS],
          maxOperands: tool.maxOperands ?? 0,
          extraOperandMessage: tool.extraOperandMessage,
        },
        [...preset, ...argv],
      );
      if (r.kind === 'help') io.out(help(invoked));
      else if (r.kind === 'usage') io.out(renderUsage(displayName(invoked), [own, extras, STANDARD_OPTIONS]));
      else if (r.kind === 'version') {
        // Imported here: the build code is not needed to trace.
        const { bpfkitVersion } = await import('../build/index.js');
        io.out(`${tool.name} (bpfkit) ${bpfkitVersion()}\n`);
      } else if (r.kind === 'run')
        await run({ ...(r.options as O), ...tool.operands?.(r.operands) }, r.operands, io);
      return 0;
    },
  };
}
