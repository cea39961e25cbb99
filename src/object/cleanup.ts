/**
 * A safety net for process exit: every open object is tracked, and a normal exit (process.exit, the
 * event loop running dry) closes those still open, so links are detached in order. The kernel would
 * free unpinned programs anyway once our fds close, even on SIGKILL; this makes it prompt and
 * explicit. Signals and uncaught errors are the application's to handle (the CLI's are in
 * cli/process.ts): a library never installs handlers that exit the process.
 */

/** Anything that must be closed before exit. */
export interface Closable {
  close(): void;
}

const live = new Set<Closable>();
let installed = false;

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

/** Tracks `c` until untrack(c); installs the exit hook on first use. */
export function track(c: Closable): void {
  if (!installed) {
    installed = true;
    process.on('exit', closeAll);
  }
  live.add(c);
}

/** Stops tracking `c` (it closed itself). */
export function untrack(c: Closable): void {
  live.delete(c);
}
