// Parity with bpftool: compiles the asm fixtures, loads every program with `bpftool prog loadall` into
// a private bpffs directory, and compares `bpftool prog dump xlated id N [linum|opcodes]` with our
// formatXlated() line by line. The pins are removed in a finally block, so nothing stays loaded.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { bpftoolVersion, compareXlated } from './bpftool.js';
import { compileAsmFixture } from './build.js';
import { bpffsTempDir } from '../helpers/bpffs.js';

const FIXTURES = [
  // opensnoop-like: tracepoints, hash map, perf event array and ring buffer output, .rodata
  'snoop',
  // bpf-to-bpf calls (static and global), bpf_loop callback (inlined), loops, 32-bit ALU
  'calls',
  // atomics with and without fetch, xchg, cmpxchg, .data/.bss/.rodata globals, byte swaps
  'atomics',
  // kfuncs, per-CPU array lookups inlined with per-CPU moves, tp_btf
  'kfuncs',
  // 32/64-bit ALU, byte swaps, signed ops, a bounded loop with back edges
  'alu',
];

const skip = (process.getuid?.() !== 0 && 'needs root') || (!bpftoolVersion() && 'bpftool missing');

for (const name of FIXTURES) {
  test(`xlated dump of ${name}.bpf.c programs equals bpftool's`, { skip }, async () => {
    const obj = await compileAsmFixture(name);
    const dir = bpffsTempDir(`bpfkit-asm-${name}-`);
    try {
      execFileSync('bpftool', ['prog', 'loadall', obj, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
      const pins = readdirSync(dir);
      assert.ok(pins.length > 0, 'programs were loaded');
      for (const pin of pins) {
        const info = JSON.parse(
          execFileSync('bpftool', ['-j', 'prog', 'show', 'pinned', join(dir, pin)], { encoding: 'utf8' }),
        ) as { id: number };
        for (const [mode, r] of compareXlated(info.id, ['', 'linum', 'opcodes'])) {
          assert.ok(r.lines > 2, `bpftool dumped ${pin}`);
          assert.deepEqual(
            r.diffs,
            [],
            `${pin} (${mode || 'plain'}): ${r.diffs.length} of ${r.lines} lines differ`,
          );
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
