/**
 * `bpfkit build x.bpf.c [x.h] [-o dir] [--cflags "<flags>"]`: compiles a BPF C program with clang
 * and writes `<dir>/x.bpf.o` and the package `<dir>/x.bpfkit.json` (object + metadata from BTF and
 * doc comments). Needs clang, not the kernel. The build code is imported only when the command runs,
 * so other commands do not pay for it.
 */
import type { Command } from 'commander';

interface BuildCliOptions {
  output?: string;
  cflags?: string[];
  btf?: string;
  json?: boolean;
  verbose?: boolean;
}

/** Registers the `build` subcommand. */
export function register(program: Command): void {
  program
    .command('build')
    .description('compile a BPF C program and package it with its metadata (x.bpf.o + x.bpfkit.json)')
    .argument('<source>', 'the BPF C source, e.g. opensnoop.bpf.c')
    .argument(
      '[header]',
      'a header declaring the event structs to export (put into the object BTF by the build)',
    )
    .option('-o, --output <dir>', "output directory (default: the source's directory)")
    .option(
      '--cflags <flags>',
      'extra clang flags, split on spaces (repeatable): --cflags "-DDEBUG -I../include"',
      (v: string, prev: string[] = []) => [...prev, ...v.split(/\s+/).filter(Boolean)],
    )
    .option(
      '--btf <file>',
      'kernel BTF to generate vmlinux.h from (default /sys/kernel/btf/vmlinux; also BPFKIT_BTF)',
    )
    .option('--json', 'print the result as one JSON object')
    .option('-v, --verbose', 'say how the event type of each ring buffer and perf event array was found')
    .action(async (source: string, header: string | undefined, o: BuildCliOptions) => {
      const { build } = await import('../../build/index.js');
      const { CompileError } = await import('../../errors/index.js');
      const stderr = process.stderr;
      let result;
      try {
        result = await build({
          source,
          header,
          outDir: o.output,
          cflags: o.cflags,
          btfPath: o.btf,
          color: stderr.isTTY && !process.env.NO_COLOR,
          onProgress: (label) => stderr.write(`${label}…\n`),
        });
      } catch (e) {
        if (e instanceof CompileError)
          stderr.write(e.diagnostics.endsWith('\n') || !e.diagnostics ? e.diagnostics : `${e.diagnostics}\n`);
        throw e;
      }
      if (result.diagnostics) stderr.write(result.diagnostics);
      for (const w of result.warnings) stderr.write(`bpfkit: warning: ${w}\n`);
      if (o.verbose) for (const n of result.notes) stderr.write(`bpfkit: ${n}\n`);
      const m = result.meta;
      if (o.json) {
        process.stdout.write(
          JSON.stringify({
            object: result.objectPath,
            package: result.packagePath,
            name: m.name,
            programs: m.programs.map((p) => p.name),
            maps: m.maps.map((x) => x.name),
            options: m.globals.filter((g) => g.cmdarg).map((g) => g.cmdarg?.long),
            exportTypes: m.exportTypes,
          }) + '\n',
        );
        return;
      }
      const parts = [
        `${m.programs.length} program${m.programs.length === 1 ? '' : 's'}`,
        `${m.maps.length} map${m.maps.length === 1 ? '' : 's'}`,
      ];
      const opts = m.globals.filter((g) => g.cmdarg).length;
      if (opts) parts.push(`${opts} option${opts === 1 ? '' : 's'}`);
      if (m.exportTypes.length) parts.push(`events: ${[...new Set(m.exportTypes)].join(', ')}`);
      process.stdout.write(`wrote ${result.objectPath} and ${result.packagePath} (${parts.join(', ')})\n`);
    });
}
