/**
 * Test-only comparison of our xlated dump with bpftool's for a loaded program: fetches the program's
 * info with bpf(2), formats it with the kallsyms resolver, runs `bpftool prog dump xlated id N
 * [mode]` and diffs line by line.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { kallsymsCallResolver, parseKallsyms } from '../../src/asm/kallsyms.js';
import { formatXlated } from '../../src/asm/xlated.js';
import { fetchProg } from './prog-info.js';

/** bpftool's version as [major, minor], or undefined when it is not installed. */
export function bpftoolVersion(): [number, number] | undefined {
  try {
    const out = execFileSync('bpftool', ['version'], { encoding: 'utf8' });
    const m = /v(\d+)\.(\d+)/.exec(out);
    return m ? [Number(m[1]), Number(m[2])] : undefined;
  } catch {
    return undefined;
  }
}

/** bpftool before 7.3 embeds a disassembler that predates ISA v4 (see FormatOptions.legacy). */
export function bpftoolIsLegacy(): boolean {
  const v = bpftoolVersion();
  return v !== undefined && (v[0] < 7 || (v[0] === 7 && v[1] < 3));
}

/** Result of one comparison: bpftool's line count and a description of each differing line. */
export interface Comparison {
  lines: number;
  diffs: string[];
}

/** bpftool's dump modes compared. */
export type DumpMode = '' | 'linum' | 'opcodes';

/**
 * Dumps program `id` with bpftool in each of `modes` and with formatXlated; kallsyms is read once,
 * after the program was loaded (its JITed symbols must be in it).
 */
export function compareXlated(id: number, modes: readonly DumpMode[]): Map<DumpMode, Comparison> {
  const prog = fetchProg(id);
  const resolveCall = kallsymsCallResolver({
    kallsyms: parseKallsyms(readFileSync('/proc/kallsyms', 'utf8')),
    jitedKsyms: prog.jitedKsyms,
  });
  const legacy = bpftoolIsLegacy();
  const out = new Map<DumpMode, Comparison>();
  for (const mode of modes) {
    const ours = formatXlated(prog, {
      linum: mode === 'linum',
      opcodes: mode === 'opcodes',
      resolveCall,
      legacy,
    }).split('\n');
    const args = ['prog', 'dump', 'xlated', 'id', String(id), ...(mode ? [mode] : [])];
    const theirs = execFileSync('bpftool', args, { encoding: 'utf8' }).split('\n');
    const diffs: string[] = [];
    for (let i = 0; i < Math.max(ours.length, theirs.length); i++) {
      if (ours[i] !== theirs[i]) diffs.push(`line ${i + 1}:\n  ours:    ${ours[i]}\n  bpftool: ${theirs[i]}`);
    }
    out.set(mode, { lines: theirs.length, diffs });
  }
  return out;
}
