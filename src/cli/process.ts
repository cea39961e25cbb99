/**
 * What the CLI does with the process, which the library never does: on Ctrl-C, SIGTERM or SIGHUP a
 * command that registered a stop handler (`bpfkit run`) stops cleanly and exits 0; otherwise
 * everything open is closed and the process exits (0 for SIGINT, 128 + the signal number else). An
 * uncaught error closes everything, prints one line (the stack with BPFKIT_DEBUG) and exits 1.
 */
import { closeAll } from '../object/cleanup.js';

const stopHandlers = new Set<(signal: NodeJS.Signals) => void>();
let installed = false;

const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;

/** Installs the CLI's signal and uncaught-error handlers (once). */
export function installProcessHandlers(): void {
  if (installed) return;
  installed = true;
  for (const sig of Object.keys(SIGNAL_NUMBERS) as (keyof typeof SIGNAL_NUMBERS)[]) {
    process.on(sig, () => {
      if (stopHandlers.size > 0) {
        for (const h of stopHandlers) h(sig);
        return;
      }
      closeAll();
      process.exit(sig === 'SIGINT' ? 0 : 128 + SIGNAL_NUMBERS[sig]);
    });
  }
  process.on('uncaughtException', (e) => {
    closeAll();
    process.stderr.write(`bpfkit: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.BPFKIT_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exit(1);
  });
}

/**
 * Makes Ctrl-C, SIGTERM and SIGHUP call `handler` instead of closing and exiting; returns the
 * function that removes it again.
 */
export function onStopSignal(handler: (signal: NodeJS.Signals) => void): () => void {
  installProcessHandlers();
  stopHandlers.add(handler);
  return () => stopHandlers.delete(handler);
}
