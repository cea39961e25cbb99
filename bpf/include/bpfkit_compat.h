/* bpfkit_compat.h: what newer libbpf headers offer BPF C sources and older installed ones lack.
 *
 * `bpfkit build` puts bpf/include before the system headers. There, <bpf/bpf_helpers.h> and
 * <bpf/bpf_tracing.h> are two-line headers that include the system's own (#include_next) and then
 * this one, so sources written for a newer libbpf build unchanged without including it themselves.
 * Each macro is defined only when the installed libbpf (or the source, before its includes) has not
 * defined it. BPF_UPROBE and BPF_URETPROBE have the tokens libbpf 1.2 gives them, so a source that
 * defines them the same way after its includes makes a valid (silent) redefinition.
 *
 * BPF_UPROBE(name, args...), BPF_URETPROBE(name, args...)
 *   The uprobe spellings of BPF_KPROBE and BPF_KRETPROBE (libbpf 1.2): the program gets the probed
 *   function's arguments, resp. its return value, as typed parameters.
 *
 * bpf_ksym_exists(sym)
 *   Whether the running kernel has the kfunc or kernel variable `sym` (libbpf 1.2). `sym` must be
 *   declared weak, as vmlinux.h's kfunc prototypes are: libbpf resolves a missing weak symbol to 0
 *   at load time, and the verifier drops the branch that would call it.
 */
#ifndef __BPFKIT_COMPAT_H
#define __BPFKIT_COMPAT_H

#ifndef BPF_UPROBE
#define BPF_UPROBE(name, args...)  BPF_KPROBE(name, ##args)
#endif

#ifndef BPF_URETPROBE
#define BPF_URETPROBE(name, args...)  BPF_KRETPROBE(name, ##args)
#endif

#ifndef bpf_ksym_exists
/* A non-weak symbol's address is a constant the compiler folds to true: refuse it at compile time. */
#define bpf_ksym_exists(sym)                                                                       \
	({                                                                                         \
		_Static_assert(!__builtin_constant_p(!!(sym)),                                     \
			       "bpf_ksym_exists(" #sym "): declare " #sym " __weak");               \
		!!(sym);                                                                           \
	})
#endif

#endif /* __BPFKIT_COMPAT_H */
