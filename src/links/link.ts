/**
 * `Link`: one attachment of a loaded program (a BPF link, a perf event, a tc filter). close()
 * detaches it; it is idempotent, and `using link = …` closes it at the end of the scope. A link
 * lives no longer than the process that made it (except a tc filter left by a SIGKILL).
 */

/** An attachment of a program to a hook. */
export class Link implements Disposable {
  private live = true;

  /**
   * @param description what it is attached to, e.g. "tracepoint:syscalls:sys_enter_openat"
   * @param detach undoes the attachment; called once
   */
  constructor(
    readonly description: string,
    private readonly detach: () => void,
  ) {}

  /** Whether it is still attached (close() not called yet). */
  get attached(): boolean {
    return this.live;
  }

  /** Detaches (idempotent). */
  close(): void {
    if (!this.live) return;
    this.live = false;
    this.detach();
  }

  /** Same as close(); kept for callers of the earlier name. */
  destroy(): void {
    this.close();
  }

  /** close(), for `using link = …`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
