/**
 * Buffered stdout for event streams: lines are gathered and written once per turn of the event loop,
 * and a closed pipe (`bpfkit run … | head`) ends the run quietly instead of raising EPIPE. Any other
 * write failure (a full disk, a bad descriptor) is handed to the owner, which ends the run with it.
 */
import { SyscallError } from '../../errors/index.js';

/** A line sink that batches writes to stdout. */
export class OutputWriter {
  private chunks: string[] = [];
  private scheduled = false;
  /** Set once stdout is gone (EPIPE); callers stop producing output. */
  closed = false;
  private readonly onClosed: () => void;
  private readonly onError: (e: unknown) => void;

  /**
   * `onClosed` runs once when stdout's reader goes away; `onError` once when writing fails otherwise
   * (output stops then too). Without `onError`, such a failure is thrown from the next turn.
   */
  constructor(onClosed: () => void = () => {}, onError?: (e: unknown) => void) {
    this.onClosed = onClosed;
    this.onError =
      onError ??
      ((e) => {
        throw e;
      });
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') this.close();
      else this.fail(e);
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
    try {
      process.stdout.write(text);
    } catch (e) {
      this.fail(e);
    }
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

  private fail(e: unknown): void {
    if (this.closed) return;
    this.closed = true;
    this.chunks = [];
    const err = e as NodeJS.ErrnoException;
    this.onError(
      typeof err.errno === 'number' ? new SyscallError('writing the output', Math.abs(err.errno)) : e,
    );
  }
}
