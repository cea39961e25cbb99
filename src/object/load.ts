/**
 * `load(spec)`: the one call that puts an object into the kernel — open it with libbpf, size its
 * maps, choose its programs as real tools do (one per group of alternatives, the best this kernel
 * has: see choose.ts), and load with CO-RE. The spec is parsed once and its globals are what gets
 * loaded. Needs root (or CAP_BPF + CAP_PERFMON), libbpf.so.1 and the kernel's BTF.
 */
import type { ObjectSpec } from '../spec/object.js';
import type { AlternativeGroup } from '../spec/alternatives.js';
import { BpfObject } from './collection.js';
import { loadChosen, type ChoiceReporter } from './choose.js';

/** Options of load(). */
export interface LoadOptions {
  /** Object name shown in the kernel (cut to 15 characters; default "bpfkit"). */
  name?: string;
  /** BTF of the running kernel for CO-RE when /sys/kernel/btf/vmlinux is missing (also $BPFKIT_BTF). */
  btf?: string;
  /**
   * Which programs to load. Default: all, except that of a group of alternatives (a tp_btf and a
   * raw_tp twin of one hook, …) only the best this kernel supports; `include` forces a program's
   * choice, `exclude` leaves programs out.
   */
  programs?: {
    /** Programs to load whatever the choice among alternatives says (each must load). */
    include?: readonly string[];
    /** Programs not to load. */
    exclude?: readonly string[];
  };
  /** Groups of alternatives, when known better than from the programs' names (a package's). */
  alternatives?: readonly AlternativeGroup[];
  /** Entries of maps by name (a ring buffer's size in bytes); maps the source leaves at 0 get defaults. */
  maxEntries?: Readonly<Record<string, number>>;
  /** Value sizes of maps by name (bytes). */
  valueSize?: Readonly<Record<string, number>>;
  /** Hears every choice made ('info') and every program left out for a missing hook ('warn'). */
  report?: ChoiceReporter;
}

/**
 * Opens, configures and loads `spec`; resolves to the loaded object, to attach (`attachAll()`) and
 * close. On failure nothing stays open. Throws VerifierError, NotSupportedError, LoadError,
 * PermissionError as the kernel decides.
 */
export async function load(spec: ObjectSpec, opts: LoadOptions = {}): Promise<BpfObject> {
  const obj = BpfObject.open(spec, { name: opts.name, btfPath: opts.btf });
  try {
    for (const [name, n] of Object.entries(opts.maxEntries ?? {})) obj.setMaxEntries(name, n);
    for (const [name, n] of Object.entries(opts.valueSize ?? {})) obj.setValueSize(name, n);
    loadChosen(obj, {
      include: opts.programs?.include,
      exclude: opts.programs?.exclude,
      groups: opts.alternatives,
      report: opts.report,
    });
    return obj;
  } catch (e) {
    obj.close();
    throw e;
  }
}
