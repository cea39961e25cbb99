/**
 * `bpfkit gen <x.bpf.c | x.bpf.o | package> [header] [-o x.ts]`: writes a TypeScript module with the
 * object embedded and types from its BTF (src/gen). A C source is built first (needs clang); nothing
 * here needs the kernel or root.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';

interface GenCliOptions {
  output?: string;
  importFrom: string;
  cflags?: string[];
  btf?: string;
}

/** Registers the `gen` subcommand. */
export function register(program: Command): void {
  program
    .command('gen')
    .description('generate a typed TypeScript module (object embedded) from a BPF program')
    .argument(
      '<input>',
      'a BPF C source (built first), a .bpf.o, or a package (.bpfkit.json, eunomia package.json)',
    )
    .argument('[header]', 'with a C source: a header declaring the event structs (as for bpfkit build)')
    .option('-o, --output <file>', 'write the module to <file> (default: standard output)')
    .option('--import-from <specifier>', 'module the generated code imports the runtime from', 'bpfkit')
    .option(
      '--cflags <flags>',
      'with a C source: extra clang flags, split on spaces (repeatable)',
      (v: string, prev: string[] = []) => [...prev, ...v.split(/\s+/).filter(Boolean)],
    )
    .option(
      '--btf <file>',
      'with a C source: kernel BTF to generate vmlinux.h from (default /sys/kernel/btf/vmlinux)',
    )
    .action(async (input: string, header: string | undefined, o: GenCliOptions) => {
      const { UsageError, WriteError } = await import('../../errors/index.js');
      const isSource = /\.c$/.test(input);
      if (!isSource && (header || o.cflags || o.btf))
        throw new UsageError('gen: a header, --cflags and --btf apply only to a C source (x.bpf.c)');
      const { readGenInput } = await import('../../gen/input.js');
      const { generateModule } = await import('../../gen/module.js');
      const CompileError = isSource ? (await import('../../errors/index.js')).CompileError : undefined;
      const stderr = process.stderr;
      let read;
      try {
        read = await readGenInput(input, {
          header,
          cflags: o.cflags,
          btfPath: o.btf,
          onProgress: (label) => stderr.write(`${label}…\n`),
        });
      } catch (e) {
        if (CompileError && e instanceof CompileError && e.diagnostics)
          stderr.write(e.diagnostics.endsWith('\n') ? e.diagnostics : `${e.diagnostics}\n`);
        throw e;
      }
      if (read.diagnostics) stderr.write(read.diagnostics);
      for (const w of read.warnings) stderr.write(`bpfkit: warning: ${w}\n`);
      const text = generateModule(read, { importFrom: o.importFrom });
      if (!o.output || o.output === '-') {
        process.stdout.write(text);
        return;
      }
      const { writeAtomic } = await import('../../sys/cache.js');
      try {
        // As `bpfkit build -o` does: a module's folder (often gitignored) is made when missing.
        mkdirSync(dirname(o.output), { recursive: true });
        writeAtomic(o.output, text);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new WriteError(`cannot write ${o.output}: ${code ?? (e as Error).message}`, {
          path: o.output,
          code,
        });
      }
      process.stdout.write(`wrote ${o.output}\n`);
    });
}
