/**
 * The built-in tools on the command line: `bpfkit tools` (alias `bpfkit list`) lists them, and
 * `bpfkit <tool> [options]` or `bpfkit run <tool> [options]` runs one (see src/tools). A tool's
 * own conventions hold for its command line: libbpf-tools' options, exit status 64 on bad usage.
 */
import type { Command } from 'commander';
import { NotFoundError, ToolUsageError } from '../../errors/index.js';
import { onStopSignal } from '../process.js';
import { exitStatusOf } from '../report.js';
import { OutputWriter } from '../output/writer.js';
import { allTools, loadTool } from '../../tools/registry.js';
import { displayName } from '../../tools/define.js';
import { formatToolList, listTools } from '../../tools/list.js';

/** Registers `tools` (and its alias `list`). */
export function register(program: Command): void {
  program
    .command('tools')
    .alias('list')
    .description('list the built-in tools, the hooks each needs, and whether this kernel can run them')
    .option('--json', 'print the list as one JSON array')
    .action(async (o: { json?: boolean }) => {
      const list = listTools(await allTools());
      if (process.getuid?.() !== 0 && !o.json)
        process.stderr.write(
          'bpfkit: not root: tracefs and the tp_btf probe need root, so this may show less than root gets\n',
        );
      process.stdout.write(o.json ? `${JSON.stringify(list)}\n` : formatToolList(list));
    });
}

/**
 * Runs tool `invoked` (a tool name or alias) with `argv`; returns the exit status: 0 on success
 * and on Ctrl-C/SIGTERM, 1 on a failure, 64 on bad usage, each failure one message on stderr.
 */
export async function runToolCommand(invoked: string, argv: string[]): Promise<number> {
  const tool = await loadTool(invoked);
  if (!tool)
    throw new NotFoundError(`no built-in tool '${invoked}' (bpfkit tools lists them)`, {
      what: 'tool',
      key: invoked,
    });
  const stop = new AbortController();
  const out = new OutputWriter(() => stop.abort());
  const offSignal = onStopSignal(() => stop.abort());
  const io = { out: out.write, err: (s: string) => void process.stderr.write(s), signal: stop.signal };
  try {
    return await tool.main(invoked, argv, io);
  } catch (e) {
    process.stderr.write(failureText(invoked, e));
    if (process.env.BPFKIT_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    return e instanceof ToolUsageError ? 64 : exitStatusOf(e);
  } finally {
    offSignal();
    await out.drain();
  }
}

/** A failure as libbpf-tools word it: usage errors with their usage lines, others prefixed by the tool. */
function failureText(invoked: string, e: unknown): string {
  const prog = displayName(invoked);
  const msg = e instanceof Error ? e.message : String(e);
  if (!(e instanceof ToolUsageError)) return `${invoked}: ${msg}\n`;
  const tryLine = `Try \`${prog} --help' or \`${prog} --usage' for more information.\n`;
  if (e.style === 'prefix') return `${invoked}: ${msg}\n${tryLine}`;
  return `${msg}\nUsage: ${prog} [OPTION...]\n${tryLine}`;
}
