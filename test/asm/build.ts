/**
 * Compiles the disassembler's BPF C fixtures (test/fixtures/asm) with a chosen -mcpu, against the
 * vmlinux.h of the shared test helpers.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD, ROOT, vmlinuxDir } from '../helpers/bpf.js';

/** Compiles test/fixtures/asm/<name>.bpf.c for `mcpu` and returns the object's path. */
export async function compileAsmFixture(name: string, mcpu = 'v3'): Promise<string> {
  const inc = await vmlinuxDir();
  mkdirSync(BUILD, { recursive: true });
  const out = join(BUILD, `asm-${name}-${mcpu}.bpf.o`);
  execFileSync(
    'clang',
    [
      '-g',
      '-O2',
      '-target',
      'bpf',
      `-mcpu=${mcpu}`,
      '-D__TARGET_ARCH_x86',
      `-I${inc}`,
      '-c',
      join(ROOT, 'test/fixtures/asm', `${name}.bpf.c`),
      '-o',
      out,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  return out;
}
