/**
 * top-files: the 10 paths opened most in the last second, refreshed every second. On a terminal
 * the screen is redrawn; otherwise each second is a block of plain lines.
 *
 *   node --import tsx examples/top-files.ts [--duration SECONDS] [--top N]
 *
 * Needs root; builds examples/top-files.bpf.c with clang at start.
 */
import { parseArgs } from 'node:util';
import { load } from 'bpfkit';
import { buildExample, positive, runExample, untilStopped } from './common.js';

await runExample('top-files', async () => {
  const { values } = parseArgs({ options: { duration: { type: 'string' }, top: { type: 'string' } } });
  const duration = positive('duration', values.duration);
  const top = positive('top', values.top, 10)!;

  const { spec } = await buildExample('top-files');
  using obj = await load(spec, { name: 'top_files' });
  obj.attachAll();
  const opens = obj.map('opens');

  /** Reads and clears the counts: each refresh shows one interval. */
  function refresh(): void {
    const rows = opens.lookupAndDeleteBatch() as [{ path: string }, bigint][];
    rows.sort((a, b) => Number(b[1] - a[1]) || a[0].path.localeCompare(b[0].path));
    const lines = [
      `${new Date().toLocaleTimeString('en-GB')}  top ${top} of ${rows.length} paths opened`,
      ' OPENS PATH',
    ];
    for (const [key, count] of rows.slice(0, top)) lines.push(`${String(count).padStart(6)} ${key.path}`);
    if (process.stdout.isTTY) process.stdout.write('\x1b[H\x1b[2J' + lines.join('\n') + '\n');
    else process.stdout.write(lines.join('\n') + '\n\n');
  }

  const timer = setInterval(refresh, 1000);
  await untilStopped(duration);
  clearInterval(timer);
});
