#!/usr/bin/env node
/** The `bpfkit` executable: runs the CLI and sets the exit status. */

// A reader that goes away (`bpfkit … | head`) is a normal way for output to end, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
});

/**
 * `bpfkit btf dump …` with a plain command line (see dumpFast) runs without loading commander and the
 * CLI's command table; undefined for every other command line.
 */
async function fastPath(argv: string[]): Promise<number | undefined> {
  if (argv[0] !== 'btf' || argv[1] !== 'dump') return undefined;
  const { dumpFast } = await import('./commands/btf.js');
  try {
    return await dumpFast(argv.slice(2));
  } catch (e) {
    return (await import('./main.js')).reportError(e);
  }
}

const argv = process.argv.slice(2);
process.exitCode = (await fastPath(argv)) ?? (await (await import('./main.js')).main(argv));
