/**
 * `bpfkit btf list [id ID] [--json]`: BTF objects loaded in the kernel with the programs and maps
 * that use them, in bpftool's format. Registered on the `btf` command by its owner through
 * registerBtfList(). Needs root.
 */
import type { Command } from 'commander';
import { btfJson, formatBtfPlain, listBtf } from '../../loaded/btf.js';
import { formatRefs, objectRefs } from '../../loaded/pids.js';
import { jsonLine } from '../../loaded/jsonw.js';
import { UsageError } from '../../errors/index.js';

function list(words: string[], opts: { json?: boolean }): void {
  let only: number | undefined;
  if (words.length === 1 && /^\d+$/.test(words[0])) only = Number(words[0]);
  else if (words.length === 2 && words[0] === 'id' && /^\d+$/.test(words[1])) only = Number(words[1]);
  else if (words.length) throw new UsageError(`expected 'id ID', got '${words.join(' ')}'`);
  const refs = objectRefs('btf');
  const out = listBtf(only).map((b) => {
    const pids = refs.get(b.id) ?? [];
    if (opts.json) {
      const o = btfJson(b);
      if (pids.length) o.pids = pids.map((r) => ({ pid: r.pid, comm: r.comm }));
      return jsonLine(o) + '\n';
    }
    return formatBtfPlain(b) + (pids.length ? `\n\tpids ${formatRefs(pids)}` : '') + '\n';
  });
  process.stdout.write(out.join(''));
}

/** Adds `list` (alias `show`) to the `btf` command. */
export function registerBtfList(btfCommand: Command): void {
  btfCommand
    .command('list')
    .alias('show')
    .description('List BTF objects loaded in the kernel (bpftool btf list compatible)')
    .argument('[id...]', 'id ID (a bare number is an id)')
    .option('--json', 'one JSON object per BTF object per line')
    .action((words: string[], opts: { json?: boolean }) => list(words, opts))
    .exitOverride();
}
