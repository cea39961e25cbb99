/**
 * Buffered stdout for event streams: lines are gathered and written once per turn of the event loop,
 * and a closed pipe (`bpfkit run … | head`) ends the run quietly instead of raising EPIPE.
 */

/** A line sink that batches writes to stdout. */
export class OutputWriter {
  private chunks: string[] = [];
  private scheduled = false;
  /** Set once stdout is gone (EPIPE); callers stop producing output. */
  closed = false;
  private readonly onClosed: () => void;

  /** `onClosed` runs once when stdout's reader goes away. */
  constructor(onClosed: () => void = () => {}) {
    this.onClosed = onClosed;
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') this.close();
    });
  }

  /** Queues text (usually one line with its newline). */
  write = (text: string): void => {
    if (this.closed) return;
    this.chunks.push(text);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  };

  /** Writes what is queued now. */
  flush = (): void => {
    this.scheduled = false;
    if (this.closed || this.chunks.length === 0) return;
    const text = this.chunks.join('');
    this.chunks = [];
    process.stdout.write(text);
  };

  /** Resolves once everything written so far has reached stdout. */
  drain(): Promise<void> {
    this.flush();
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => process.stdout.write('', () => resolve()));
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.chunks = [];
    this.onClosed();
  }
}
