/** Compiles the disassembler's BPF C fixtures (test/fixtures/asm) with a chosen -mcpu. */
import { join } from 'node:path';
import { ROOT, compileBpf } from '../helpers/bpf.js';

/** Compiles test/fixtures/asm/<name>.bpf.c for `mcpu` and returns the object's path. */
export async function compileAsmFixture(name: string, mcpu = 'v3'): Promise<string> {
  return compileBpf(
    join(ROOT, 'test/fixtures/asm', `${name}.bpf.c`),
    `asm-${name}-${mcpu}`,
    [],
    [`-mcpu=${mcpu}`],
  );
}
