/**
 * Makes sure nothing stays attached when the process ends: every open object is tracked, and
 * Ctrl-C, SIGTERM, an uncaught error or a normal exit close them all. (The kernel also frees
 * unpinned programs when our fds close, even on SIGKILL; this makes the order explicit and prompt.)
 */

/** Anything that must be closed before exit. */
export interface Closable {
  close(): void;
}

const live = new Set<Closable>();
let installed = false;
const signalHandlers = new Set<(signal: NodeJS.Signals) => void>();

/** Closes every tracked object (in reverse order of opening). Safe to call many times. */
export function closeAll(): void {
  for (const c of [...live].reverse()) {
    try {
      c.close();
    } catch {
      // Closing is best effort at exit: one failure must not keep the others attached.
    }
  }
  live.clear();
}

/**
 * Registers a handler for SIGINT/SIGTERM instead of the default "close all and exit": the run
 * command uses it to stop streaming cleanly and exit with status 0.
 */
export function onStopSignal(handler: (signal: NodeJS.Signals) => void): () => void {
  install();
  signalHandlers.add(handler);
  return () => signalHandlers.delete(handler);
}

/** Tracks `c` until untrack(c); installs the exit hooks on first use. */
export function track(c: Closable): void {
  install();
  live.add(c);
}

/** Stops tracking `c` (it closed itself). */
export function untrack(c: Closable): void {
  live.delete(c);
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', closeAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (signalHandlers.size > 0) {
        for (const h of signalHandlers) h(sig);
        return;
      }
      closeAll();
      process.exit(sig === 'SIGINT' ? 0 : 128 + (sig === 'SIGTERM' ? 15 : 1));
    });
  }
  process.on('uncaughtException', (e) => {
    closeAll();
    process.stderr.write(`bpfkit: ${e instanceof Error ? e.message : String(e)}\n`);
    if (process.env.BPFKIT_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exit(1);
  });
}
