/**
 * `bpfkit btf …`: registers `btf dump` (implemented in btf-dump.ts) and `btf list` (btf-list.ts).
 * A plain `btf dump` command line never gets here: entry.cts runs it from the dump bundle.
 */
import type { Command } from 'commander';
import { dump, type DumpOptions } from './btf-dump.js';
import { registerBtfList } from './btf-list.js';

/** Registers `btf dump` (and, through btf-list.ts, `btf list`) on the `btf` command. */
export function register(program: Command): void {
  const btf =
    program.commands.find((c) => c.name() === 'btf') ??
    program.command('btf').description('Inspect BTF type information');
  btf
    .command('dump')
    .description('Print the types of a BTF file or BPF object (bpftool btf dump file compatible)')
    .argument('<file...>', 'raw BTF file (e.g. /sys/kernel/btf/vmlinux) or .bpf.o object')
    .option('--format <format>', 'raw (bpftool listing, default) or c (a compilable vmlinux.h)')
    .option('--base <file>', 'base BTF for split BTF (default: vmlinux for /sys/kernel/btf/<module>)')
    .action((words: string[], opts: DumpOptions) => dump(words, opts));
  registerBtfList(btf);
}
