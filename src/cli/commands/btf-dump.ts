/**
 * `bpfkit btf dump <file> [--format c|raw]`: prints the BTF of a raw BTF file (e.g.
 * /sys/kernel/btf/vmlinux, a module's /sys/kernel/btf/<mod>) or of a BPF object's .BTF section, as
 * bpftool's raw listing (default) or as a compilable C header (vmlinux.h). Reading /sys/kernel/btf
 * needs a kernel with CONFIG_DEBUG_INFO_BTF; nothing else here touches the kernel.
 *
 * This module is also the entry of dist/cli/btf-dump.cjs, a CommonJS bundle of itself and the
 * dumpers that entry.cts loads for plain `btf dump` command lines (see runFast): it must not use
 * top-level await, commander or koffi.
 */
import { readFileSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { FormatError, MissingDependencyError, UsageError } from '../../errors/index.js';
import { BtfTable, DUMP_V8_FLAGS } from '../../btf/format-c-table.js';
import { reportFailure } from '../report.js';

// The formatters, the ELF reader and the BTF object model are imported when a dump needs them: a
// `btf dump` starts in a few tens of milliseconds, and each module loaded on the way counts.

/** btf.ts's VMLINUX_BTF_PATH, without loading the BTF object model for it. */
const VMLINUX_BTF_PATH = '/sys/kernel/btf/vmlinux';

/** `btf dump`'s options, as commander parses them. */
export interface DumpOptions {
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
async function btfBytes(path: string): Promise<Uint8Array> {
  const data = readBytes(path);
  if (data.length >= 4 && data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46) {
    const { ElfFile } = await import('../../elf/reader.js');
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
async function loadBtfTable(path: string, basePath?: string): Promise<BtfTable> {
  if (!basePath && dirname(path) === dirname(VMLINUX_BTF_PATH) && basename(path) !== 'vmlinux') {
    basePath = VMLINUX_BTF_PATH;
  }
  const base = basePath ? BtfTable.fromBytes(await btfBytes(basePath)) : undefined;
  try {
    return BtfTable.fromBytes(await btfBytes(path), base);
  } catch (e) {
    if (e instanceof FormatError) throw new FormatError(`${path}: ${e.message}`);
    throw e;
  }
}

/**
 * Writes all of `data` to stdout with blocking-style writes (one big buffer, no stream queueing). A
 * reader that goes away (`| head`) just ends the output.
 */
function writeStdout(data: Uint8Array): void {
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

/** Runs `btf dump <words>`: writes the BTF of the named file to stdout in the chosen format. */
export async function dump(words: string[], opts: DumpOptions): Promise<void> {
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
  // The dump runs once per process, cold (see DUMP_V8_FLAGS).
  setFlagsFromString(DUMP_V8_FLAGS);
  // Started first, so that the module files load while the BTF is read.
  const formatter =
    format === 'c'
      ? import('../../btf/format-c.js').then((m) => m.formatCBytes)
      : import('../../btf/format-raw.js').then((m) => m.formatRawBytes);
  formatter.catch(() => undefined); // awaited below; a failed read must not leave it unhandled
  const table = await loadBtfTable(args[0], opts.base);
  writeStdout((await formatter)(table));
}

/**
 * Runs `btf dump` for the plain command lines scripts use (words and `--format`/`--base` with their
 * values, as `dump`'s commander definition takes them) without commander, which takes about as long to
 * load and set up as reading the BTF. Returns undefined, having done nothing, for anything else (help,
 * other options, `--`, a missing value): the caller then hands the command line to commander.
 * Throws what the dump throws.
 */
async function dumpFast(args: string[]): Promise<number | undefined> {
  const words: string[] = [];
  const opts: DumpOptions = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (name !== '--format' && name !== '--base') {
      if (a.startsWith('-')) return undefined;
      words.push(a);
      continue;
    }
    const value = eq > 0 && name !== a ? a.slice(eq + 1) : args[++i];
    if (!value || (name === a && value.startsWith('-'))) return undefined;
    opts[name === '--format' ? 'format' : 'base'] = value;
  }
  if (words.length === 0) return undefined;
  await dump(words, opts);
  return 0;
}

/**
 * dumpFast for entry.cts: runs a plain `btf dump` command line and returns the exit status, having
 * reported a failure on stderr itself (the bundle has its own copy of the error classes, which the
 * ESM CLI's reporter would not recognize); undefined when the command line needs commander.
 */
export async function runFast(args: string[]): Promise<number | undefined> {
  try {
    return await dumpFast(args);
  } catch (e) {
    return reportFailure(e);
  }
}
