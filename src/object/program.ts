/**
 * `Program`: one program of a BpfObject — its spec, whether it is loaded (autoload, before load),
 * its kernel fd once loaded, and attach(). The object owns it: closing the object closes it.
 */
import type { AttachOptions, Link } from '../links/attach.js';
import type { ProgramSpec } from '../spec/object.js';

/** What a Program needs from the object that owns it. */
export interface ProgramOwner {
  programFd(name: string): number;
  autoloadOf(name: string): boolean;
  setAutoload(name: string, autoload: boolean): void;
  attach(name: string, opts?: AttachOptions): Link[];
}

/** A program of an opened object. */
export class Program {
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

  /** Whether load() loads it (and attachAll() attaches it); set before load. */
  get autoload(): boolean {
    return this.owner.autoloadOf(this.spec.name);
  }

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
}
