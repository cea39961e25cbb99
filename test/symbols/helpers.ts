/**
 * Helpers of the symbolizer tests: compile test/fixtures/symbols/spin.c with the system's cc
 * (symbols kept, -O0 -g), optionally stripped into a separate debug file or a MiniDebugInfo
 * section with objcopy and xz, and run it, reading the address it prints of spin_here_forever.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD, ROOT } from '../helpers/bpf.js';

/** The test program's source. */
export const SPIN_SOURCE = join(ROOT, 'test/fixtures/symbols/spin.c');

/** Compiles spin.c into `build/test/symbols/<name>` with `flags`; returns the path. */
export function compileSpin(name: string, flags: string[] = []): string {
  const dir = join(BUILD, 'symbols');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, name);
  execFileSync('cc', ['-O0', '-g', ...flags, '-o', out, SPIN_SOURCE]);
  return out;
}

/** Runs `cmd args` in `dir`, throwing with its stderr on failure. */
export function sh(cmd: string, args: string[], dir?: string): void {
  execFileSync(cmd, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Starts a spin binary (`sleep`: pause instead of spinning); resolves with the address it prints. */
export async function startSpin(
  path: string,
  sleep: boolean,
): Promise<{ child: ChildProcess; address: bigint; done: Promise<unknown> }> {
  const child = spawn(path, sleep ? ['sleep'] : [], { stdio: ['ignore', 'pipe', 'ignore'] });
  const done = new Promise((res) => child.on('close', res));
  const address = await new Promise<bigint>((res, rej) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) res(BigInt(out.trim()));
    });
    child.on('error', rej);
  });
  return { child, address, done };
}
