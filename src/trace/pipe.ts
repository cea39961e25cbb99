/**
 * Streams bpf_printk output from tracefs' trace_pipe. The pipe keeps lines from earlier runs, so
 * whatever is buffered when we start is drained and dropped: only lines emitted after our programs
 * attached are shown. Reading is woken by the kernel through epoll (trace_pipe is pollable).
 */
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { tracefsPath } from '../sys/mounts.js';
import { Poller } from '../events/poller.js';
import { ReadError } from '../errors/index.js';

/** A trace_pipe reader; lines arrive without their trailing newline. */
export class TracePipe {
  private fd: number;
  private readonly buf = Buffer.alloc(64 * 1024);
  private partial = '';
  private readonly onLine: (line: string) => void;

  /** Opens trace_pipe (mounting tracefs when needed; needs root) and drops what it already holds. */
  constructor(onLine: (line: string) => void) {
    this.onLine = onLine;
    const path = tracefsPath('trace_pipe');
    try {
      this.fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ReadError(`cannot open ${path}: ${code ?? (e as Error).message}`, { path, code });
    }
    this.drain(false);
  }

  /** Starts delivering new lines. */
  start(): void {
    Poller.shared().add(this.fd, () => this.drain(true));
  }

  /** Stops reading and closes the pipe. Idempotent. */
  close(): void {
    if (this.fd < 0) return;
    Poller.shared().remove(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }

  /** Reads what the pipe holds; returns how many lines it delivered (the poller's load measure). */
  private drain(deliver: boolean): number {
    let delivered = 0;
    for (;;) {
      let n: number;
      try {
        n = readSync(this.fd, this.buf, 0, this.buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') break;
        throw e;
      }
      if (n <= 0) break;
      if (!deliver) continue;
      const text = this.partial + this.buf.toString('utf8', 0, n);
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      for (const l of lines) this.onLine(l);
      delivered += lines.length;
    }
    return delivered;
  }
}
