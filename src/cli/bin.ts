#!/usr/bin/env node
/** The `bpfkit` executable: runs the CLI and sets the exit status. */
import { main } from './main.js';

// A reader that goes away (`bpfkit … | head`) is a normal way for output to end, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
});

process.exitCode = await main(process.argv.slice(2));
