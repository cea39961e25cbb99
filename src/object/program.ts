/**
 * `Program`: one program of a BpfObject — its spec, whether it is loaded (autoload, before load),
 * its kernel fd once loaded, attach() and close(). Closing the object closes it too.
 */
import type { AttachOptions, Link } from '../links/attach.js';
import type { ProgramSpec } from '../spec/object.js';
import { progInfo } from '../sys/objinfo.js';
import { StateError } from '../errors/index.js';

/** What a Program needs from the object that owns it. */
export interface ProgramOwner {
  programFd(name: string): number;
  autoloadOf(name: string): boolean;
  setAutoload(name: string, autoload: boolean): void;
  attach(name: string, opts?: AttachOptions): Link[];
  closeProgram(name: string): void;
}

/** A program of an opened object. */
export class Program implements Disposable {
  constructor(
    /** What the object file says about it: section, attach kind and target, size. */
    readonly spec: ProgramSpec,
    private readonly owner: ProgramOwner,
  ) {}

  /** The program's name (its C function name). */
  get name(): string {
    return this.spec.name;
  }

  /** Kernel fd once loaded, else negative (libbpf's -errno). */
  get fd(): number {
    return this.owner.programFd(this.spec.name);
  }

  /** The kernel's id of the loaded program (what `bpftool prog show id N` takes); StateError before load. */
  get id(): number {
    const fd = this.fd;
    if (fd < 0) throw new StateError(`program ${this.spec.name} is not loaded`, 'not loaded');
    return progInfo(fd).id;
  }

  /** Whether load() loads it (and attachAll() attaches it); set before load. */
  get autoload(): boolean {
    return this.owner.autoloadOf(this.spec.name);
  }

  /** Chooses whether load() loads it; only before load. */
  set autoload(v: boolean) {
    this.owner.setAutoload(this.spec.name, v);
  }

  /**
   * Attaches it by its section (tracepoint, raw_tp, tp_btf, uprobe, perf_event, xdp, tc, …; see
   * links/attach.ts), loading the object first if needed; returns the links, closed with the object.
   */
  attach(opts: AttachOptions = {}): Link[] {
    return this.owner.attach(this.spec.name, opts);
  }

  /**
   * Detaches the links attached through this program and unloads it from the kernel (idempotent);
   * the rest of the object stays loaded. Closing the object does this for every program.
   */
  close(): void {
    this.owner.closeProgram(this.spec.name);
  }

  /** close(), for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
