/**
 * `bpfkit btf dump <file> [--format c|raw]`: prints the BTF of a raw BTF file (e.g.
 * /sys/kernel/btf/vmlinux, a module's /sys/kernel/btf/<mod>) or of a BPF object's .BTF section, as
 * bpftool's raw listing (default) or as a compilable C header (vmlinux.h). `btf list` comes from
 * btf-list.ts. Reading /sys/kernel/btf needs a kernel with CONFIG_DEBUG_INFO_BTF; nothing else here
 * touches the kernel.
 */
import type { Command } from 'commander';
import { readFileSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { FormatError, MissingDependencyError, UsageError } from '../../errors/index.js';
import { ElfFile } from '../../elf/reader.js';
import { VMLINUX_BTF_PATH } from '../../btf/btf.js';
import { BtfTable } from '../../btf/format-c-table.js';
import { formatCBytes } from '../../btf/format-c.js';
import { formatRawBytes } from '../../btf/format-raw.js';
import { registerBtfList } from './btf-list.js';

interface DumpOptions {
  format?: string;
  base?: string;
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new MissingDependencyError(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/** The raw BTF in `path`: the file itself, or the .BTF section when it is an ELF object. */
function btfBytes(path: string): Uint8Array {
  const data = readBytes(path);
  if (data.length >= 4 && data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46) {
    const elf = new ElfFile(data);
    const sec = elf.section('.BTF');
    if (!sec) throw new FormatError(`${path}: no .BTF section (compile with clang -g)`);
    return elf.sectionData(sec);
  }
  return data;
}

/**
 * Loads the BTF to dump. Module BTF under /sys/kernel/btf is split BTF on top of vmlinux, which is
 * then used as the base unless `--base` names another.
 */
export function loadBtfTable(path: string, basePath?: string): BtfTable {
  if (!basePath && dirname(path) === dirname(VMLINUX_BTF_PATH) && basename(path) !== 'vmlinux') {
    basePath = VMLINUX_BTF_PATH;
  }
  const base = basePath ? BtfTable.fromBytes(btfBytes(basePath)) : undefined;
  try {
    return BtfTable.fromBytes(btfBytes(path), base);
  } catch (e) {
    if (e instanceof FormatError) throw new FormatError(`${path}: ${e.message}`);
    throw e;
  }
}

/**
 * Writes all of `data` to stdout with blocking-style writes (one big buffer, no stream queueing). A
 * reader that goes away (`| head`) just ends the output.
 */
export function writeStdout(data: Uint8Array): void {
  let off = 0;
  let wait: Int32Array | undefined;
  while (off < data.length) {
    try {
      off += writeSync(1, data, off, Math.min(data.length - off, 1 << 20));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return;
      if (code !== 'EAGAIN') throw e;
      // stdout is a non-blocking pipe that is full: give the reader a moment.
      wait ??= new Int32Array(new SharedArrayBuffer(4));
      Atomics.wait(wait, 0, 0, 2);
    }
  }
}

function dump(words: string[], opts: DumpOptions): void {
  // Also accept bpftool's word syntax: `dump file X [format c|raw]`.
  const args = words[0] === 'file' ? words.slice(1) : words.slice();
  let format = opts.format;
  if (args.length === 3 && args[1] === 'format') {
    if (format && format !== args[2])
      throw new UsageError(`conflicting formats '${format}' and '${args[2]}'`);
    format = args[2];
    args.length = 1;
  }
  if (args.length !== 1) throw new UsageError('expected one BTF file: btf dump <file> [--format c|raw]');
  format ??= 'raw';
  if (format !== 'c' && format !== 'raw') throw new UsageError(`unknown format '${format}' (c or raw)`);
  // The dump runs once per process, cold: V8's default inlining makes its optimizing compiles cost about
  // as much CPU as the dump itself; shallower inlining halves that and runs no slower.
  setFlagsFromString('--max-inlined-bytecode-size-cumulative=100');
  const table = loadBtfTable(args[0], opts.base);
  writeStdout(format === 'c' ? formatCBytes(table) : formatRawBytes(table));
}

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
