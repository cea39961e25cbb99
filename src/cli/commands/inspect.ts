/**
 * `bpfkit inspect <object | package> [--disasm] [--json]`: what a compiled BPF object holds —
 * sections, programs (type, attach target, instructions, calls, helpers, maps, CO-RE relocations),
 * maps, globals with initial values, license and BTF — read without the kernel. Packages (bpfkit or
 * eunomia), directories, URLs and `-` (stdin) are accepted as `bpfkit run` accepts them.
 */
import type { Command } from 'commander';
import { closeSync, openSync, readSync, statSync } from 'node:fs';

interface InspectCliOptions {
  disasm?: boolean;
  json?: boolean;
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/** Whether `bytes` start like an ELF file (else they are a package, which is JSON). */
function isElf(bytes: Uint8Array | undefined): boolean {
  return !!bytes && ELF_MAGIC.every((b, i) => bytes[i] === b);
}

/** The first bytes of a local file, or undefined for a directory or an unreadable path. */
function head(path: string): Uint8Array | undefined {
  let fd: number | undefined;
  try {
    if (statSync(path).isDirectory()) return undefined;
    fd = openSync(path, 'r');
    const b = new Uint8Array(4);
    return b.subarray(0, readSync(fd, b, 0, 4, 0));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Registers the `inspect` subcommand. */
export function register(program: Command): void {
  program
    .command('inspect')
    .description('show what a BPF object or package holds: programs, maps, globals, BTF, CO-RE relocations')
    .argument(
      '<target>',
      'a .bpf.o, a package (.bpfkit.json or eunomia package.json), a directory, a URL or -',
    )
    .option('--disasm', 'add each function’s disassembly with its source lines')
    .option('--json', 'print the report as one JSON document')
    .action(async (target: string, o: InspectCliOptions) => {
      const { loadTarget } = await import('../../package/load.js');
      const { buildReport, formatReport, reportJson } = await import('../../objfile/index.js');
      // loadTarget does not say whether the bytes were an object or a package: keep the first bytes
      // of whatever it reads to tell.
      let first: Uint8Array | undefined;
      const t = await loadTarget(target, {
        readStdin: async () => {
          const chunks: Buffer[] = [];
          for await (const c of process.stdin) chunks.push(c as Buffer);
          return (first = Buffer.concat(chunks));
        },
        fetch: async (url, init) => {
          const res = await fetch(url, init);
          const body = new Uint8Array(await res.arrayBuffer());
          first = body;
          return new Response(body, { status: res.status, statusText: res.statusText });
        },
      });
      if (target !== '-' && !/^https?:\/\//i.test(target)) first = head(target);
      const fromPackage = !isElf(first);
      const report = buildReport(t.object, {
        source: target,
        kind: fromPackage ? 'package' : 'object',
        package: fromPackage && t.meta ? packageInfo(t.meta) : undefined,
        disasm: o.disasm,
      });
      process.stdout.write(o.json ? reportJson(report) : formatReport(report));
    });
}

function packageInfo(meta: { name: string; description?: string; version?: string }): {
  name: string;
  description?: string;
  version?: string;
} {
  const out: { name: string; description?: string; version?: string } = { name: meta.name };
  if (meta.description) out.description = meta.description;
  if (meta.version) out.version = meta.version;
  return out;
}
