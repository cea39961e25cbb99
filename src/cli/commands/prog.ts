/**
 * `bpfkit prog`: loaded programs, in bpftool's formats.
 *   prog list|show [id ID | name NAME | tag TAG | pinned PATH] [--json]
 *   prog dump xlated PROG [linum] [opcodes] [--legacy]
 * Needs root (CAP_SYS_ADMIN) to walk and open programs by id.
 */
import type { Command } from 'commander';
import { UsageError } from '../../errors/index.js';
import {
  formatProgPlain,
  fullProgName,
  listProgs,
  openProgs,
  parseProgSelector,
  progJson,
} from '../../loaded/prog.js';
import { callResolverFor, fetchXlatedFd } from '../../loaded/xlated.js';
import { formatXlated } from '../../asm/xlated.js';
import { closeFd } from '../../sys/bpf.js';
import { jsonLine } from '../../loaded/jsonw.js';

const SELECTOR = 'id ID | name NAME | tag TAG | pinned PATH (a bare number is an id)';

function show(words: string[], opts: { json?: boolean }): void {
  const progs = listProgs(parseProgSelector(words));
  const out = opts.json ? progs.map((p) => jsonLine(progJson(p)) + '\n') : progs.map(formatProgPlain);
  process.stdout.write(out.join(''));
}

/** Splits `PROG [linum] [opcodes]` into the selector words and the dump flags. */
function splitDumpArgs(words: string[]): { sel: string[]; linum: boolean; opcodes: boolean } {
  const sel = [...words];
  let linum = false;
  let opcodes = false;
  while (sel.length > 1 && ['linum', 'opcodes'].includes(sel[sel.length - 1])) {
    if (sel.pop() === 'linum') linum = true;
    else opcodes = true;
  }
  if (sel.length === 0) throw new UsageError(`expected a program: ${SELECTOR}`);
  return { sel, linum, opcodes };
}

function dumpXlatedCmd(words: string[], opts: { legacy?: boolean }): void {
  const { sel, linum, opcodes } = splitDumpArgs(words);
  const fds = openProgs(parseProgSelector(sel));
  const parts: string[] = [];
  try {
    for (const fd of fds) {
      const prog = fetchXlatedFd(fd);
      let text = '';
      if (fds.length > 1) {
        const name = prog.info.name ? fullProgName(fd, prog.info) : '';
        text +=
          formatProgPlain({ info: prog.info, name, mapIds: [], pids: [], metadata: [] }).split('\n')[0] +
          '\n';
      }
      text += formatXlated(prog, { linum, opcodes, legacy: opts.legacy, resolveCall: callResolverFor(prog) });
      parts.push(text);
    }
  } finally {
    for (const fd of fds) closeFd(fd);
  }
  process.stdout.write(parts.join('\n'));
}

/** Registers the `prog` subcommand. */
export function register(program: Command): void {
  const prog = program.command('prog').description('Inspect loaded BPF programs (bpftool prog compatible)');
  prog
    .command('show')
    .alias('list')
    .description('List loaded programs, or the selected ones')
    .argument('[prog...]', SELECTOR)
    .option('--json', 'one JSON object per program per line')
    .action((words: string[], opts: { json?: boolean }) => show(words, opts));
  const dump = prog.command('dump').description('Dump the instructions of a loaded program');
  dump
    .command('xlated')
    .description('Disassemble the program as the verifier rewrote it (bpftool prog dump xlated)')
    .argument('<prog...>', `${SELECTOR}, then optional words 'linum' and 'opcodes'`)
    .option('--legacy', 'print as bpftool <= 7.2 does (pre-ISA-v4 mnemonics)')
    .action((words: string[], opts: { legacy?: boolean }) => dumpXlatedCmd(words, opts));
  for (const c of [prog, dump, ...prog.commands, ...dump.commands]) c.exitOverride();
}
