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
 *
 * Use either at file scope, after the struct is declared (a forward declaration is enough).
 *
 * `bpfkit build x.bpf.c [x.h]` finds the structs a program passes to bpf_ringbuf_reserve(),
 * bpf_ringbuf_output() and bpf_perf_event_output() in clang's AST (also through the program's own
 * wrapper functions) and adds the BPFKIT_MAP_EVENT markers itself (through a forced include), so
 * most programs need neither macro. With a header, each of its named structs gets a marker too: the
 * header's structs are the event types, even one that only a local variable holds. The macros are
 * for what the build cannot see, e.g. a struct spelled only through a typedef of an unnamed struct.
 *
 * bpfkit_ringbuf_reserve(&rb, size, flags), bpfkit_ringbuf_output(&rb, data, size, flags)
 *   bpf_ringbuf_reserve() and bpf_ringbuf_output() that also count their failures. A full ring buffer
 *   drops the record in the kernel and nothing tells user space, so each failure adds 1 to the
 *   static u64 `bpfkit_rb_lost` in .bss (one counter for every ring buffer of the object);
 *   `bpfkit run` reads it every second and at exit and prints "lost N events", as it does for perf
 *   buffer losses. Objects that never use these helpers do not get the variable. Use them where
 *   bpf_helpers.h is included.
 *
 * bpfkit_ringbuf_submit(&rb, rec, flags)
 *   bpf_ringbuf_submit() of a record from bpfkit_ringbuf_reserve(&rb, ...).
 *   With flags 0, it and bpfkit_ringbuf_output() choose the wake-up: BPF_RB_FORCE_WAKEUP once more
 *   than half of the ring is waiting, else the kernel's default (wake only a consumer that had
 *   caught up). A consumer draining on a timer, as bpfkit's does under load, thus hears of a ring
 *   filling up before it overflows, without a wake-up per record.
 *
 * Loaders: libbpf (1.1 checked) opens and loads such objects unchanged; it skips the section with an
 * info-level line ("elf: skipping unrecognized data section(N) .bpfkit.events"), which bpfkit's
 * runtime keeps for --verbose and bpftool prints. `bpftool btf dump file x.bpf.o` shows the struct
 * and the marker (VAR '__bpfkit_event_0' in DATASEC '.bpfkit.events').
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

/* static: clang emits it only into objects that use the helpers (a static global, which libbpf
 * 1.1 loads; a static map it refuses). Plain C types, so this compiles before or after vmlinux.h. */
static unsigned long long bpfkit_rb_lost;

#define bpfkit_ringbuf_reserve(rb, size, flags)                                                    \
	({                                                                                         \
		void *__bpfkit_rec = bpf_ringbuf_reserve((rb), (size), (flags));                   \
		if (!__bpfkit_rec)                                                                 \
			__sync_fetch_and_add(&bpfkit_rb_lost, 1);                                  \
		__bpfkit_rec;                                                                      \
	})

/* BPF_RB_FORCE_WAKEUP (2) past half of ring buffer `rb`; 0 (the kernel's adaptive wake-up) before.
 * BPF_RB_AVAIL_DATA is 0 and BPF_RB_RING_SIZE 1 (enum in linux/bpf.h). */
#define bpfkit_ringbuf_wakeup(rb)                                                                  \
	(bpf_ringbuf_query((rb), 0) * 2 > bpf_ringbuf_query((rb), 1) ? 2 : 0)

#define bpfkit_ringbuf_submit(rb, rec, flags)                                                      \
	bpf_ringbuf_submit((rec), (flags) ? (flags) : bpfkit_ringbuf_wakeup(rb))

#define bpfkit_ringbuf_output(rb, data, size, flags)                                               \
	({                                                                                         \
		long __bpfkit_err = bpf_ringbuf_output((rb), (data), (size),                       \
						       (flags) ? (flags) : bpfkit_ringbuf_wakeup(rb)); \
		if (__bpfkit_err)                                                                  \
			__sync_fetch_and_add(&bpfkit_rb_lost, 1);                                  \
		__bpfkit_err;                                                                      \
	})

#endif /* __BPFKIT_H */
