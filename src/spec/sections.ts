/**
 * What an ELF section name says about a BPF program: its program type and how it attaches. The prefixes
 * follow libbpf's section naming conventions (SEC("tracepoint/…") and friends).
 */

/** How a program attaches; 'none' for programs that are only called (e.g. subprograms). */
export type AttachKind =
  | 'tracepoint'
  | 'raw_tracepoint'
  | 'tp_btf'
  | 'kprobe'
  | 'kretprobe'
  | 'uprobe'
  | 'uretprobe'
  | 'fentry'
  | 'fexit'
  | 'fmod_ret'
  | 'lsm'
  | 'perf_event'
  | 'ksyscall'
  | 'kretsyscall'
  | 'usdt'
  | 'iter'
  | 'xdp'
  | 'tc'
  | 'other';

/** The parsed meaning of a program's section name. */
export interface SectionInfo {
  /** Kernel program type name as bpftool prints it (tracepoint, raw_tracepoint, tracing, kprobe, …). */
  progType: string;
  /** How the program attaches: from the section prefix (SEC("tracepoint/…") is 'tracepoint'), 'other' when unknown. */
  attach: AttachKind;
  /**
   * Text after the prefix, e.g. "syscalls/sys_enter_openat" or "/bin/bash:readline"; for tc the
   * direction ("ingress", "egress", or "" when the section names none).
   */
  target: string;
}

const PREFIXES: [string, AttachKind, string][] = [
  ['tracepoint/', 'tracepoint', 'tracepoint'],
  ['tp/', 'tracepoint', 'tracepoint'],
  ['raw_tracepoint/', 'raw_tracepoint', 'raw_tracepoint'],
  ['raw_tp/', 'raw_tracepoint', 'raw_tracepoint'],
  ['tp_btf/', 'tp_btf', 'tracing'],
  ['kprobe/', 'kprobe', 'kprobe'],
  ['kretprobe/', 'kretprobe', 'kprobe'],
  ['ksyscall/', 'ksyscall', 'kprobe'],
  ['kretsyscall/', 'kretsyscall', 'kprobe'],
  ['uprobe', 'uprobe', 'kprobe'],
  ['uretprobe', 'uretprobe', 'kprobe'],
  ['usdt', 'usdt', 'kprobe'],
  ['fentry/', 'fentry', 'tracing'],
  ['fexit/', 'fexit', 'tracing'],
  ['fmod_ret/', 'fmod_ret', 'tracing'],
  ['lsm/', 'lsm', 'lsm'],
  ['perf_event', 'perf_event', 'perf_event'],
  ['iter/', 'iter', 'tracing'],
  // XDP programs for devmap/cpumap entries run from a map, not from an interface.
  ['xdp/devmap', 'other', 'xdp'],
  ['xdp/cpumap', 'other', 'xdp'],
  ['xdp.frags/devmap', 'other', 'xdp'],
  ['xdp.frags/cpumap', 'other', 'xdp'],
  ['xdp.frags', 'xdp', 'xdp'],
  ['xdp', 'xdp', 'xdp'],
  // "tc" and "classifier" name no direction; "tcx/…" and "tc/…" (libbpf 1.3) do.
  ['tcx/', 'tc', 'sched_cls'],
  ['tc/', 'tc', 'sched_cls'],
  ['classifier', 'tc', 'sched_cls'],
];

/** Interprets a program section name; unknown prefixes give attach 'other'. */
export function sectionInfo(section: string): SectionInfo {
  for (const [prefix, attach, progType] of PREFIXES) {
    if (section === prefix.replace(/\/$/, '') || section.startsWith(prefix)) {
      let target = section.slice(prefix.length);
      // uprobe sections: "uprobe/<path>:<sym>", "uprobe.s/…", "uprobe//bin/x:f"
      if (attach === 'uprobe' || attach === 'uretprobe' || attach === 'usdt')
        target = target.replace(/^(\.s)?\//, '');
      return { progType, attach, target };
    }
  }
  return { progType: section.split('/')[0] || 'unspec', attach: 'other', target: '' };
}
