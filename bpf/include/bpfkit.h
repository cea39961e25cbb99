/* bpfkit.h: conventions between BPF C programs and the bpfkit runtime.
 *
 * BPFKIT_EVENT(struct event);
 *   Records `struct event` as the type of the records the program sends through its ring buffers and
 *   perf event arrays, so `bpfkit run` can decode them without a package. It is needed because clang
 *   leaves a struct that is only used by a local variable out of the object's BTF: this macro
 *   declares an unused pointer to the struct in the `.bpfkit.events` section, which puts the struct
 *   into BTF and names it as an event type. The section is not loaded into the kernel.
 *
 * BPFKIT_MAP_EVENT(map, struct event);
 *   The same for one map only, when an object has several event maps carrying different structs.
 */
#ifndef __BPFKIT_H
#define __BPFKIT_H

#define __BPFKIT_CAT2(a, b) a##b
#define __BPFKIT_CAT(a, b) __BPFKIT_CAT2(a, b)

#define BPFKIT_EVENT(type)                                                                         \
	type *__BPFKIT_CAT(__bpfkit_event_, __COUNTER__)                                           \
		__attribute__((section(".bpfkit.events"), used))

#define BPFKIT_MAP_EVENT(map, type)                                                                \
	type *__bpfkit_event__##map __attribute__((section(".bpfkit.events"), used))

#endif /* __BPFKIT_H */
