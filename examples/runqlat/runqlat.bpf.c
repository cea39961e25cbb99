// SPDX-License-Identifier: GPL-2.0
/* runqlat: how long runnable tasks wait for a CPU (run queue latency), as a log2 histogram.
 *
 * A task's wake-up time is kept in a hash map keyed by pid; when the scheduler switches to it, the
 * wait is added to the histogram that `bpfkit run` prints every second (the @sample tag below).
 * tp_btf hooks give typed task_struct pointers without CO-RE reads of the raw tracepoint args.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define MAX_SLOTS 26
#define TASK_RUNNING 0

/// Only tasks of this process (0: all)
/// @cmdarg {"short": "p", "long": "pid"}
const volatile pid_t targ_tgid = 0;
/// Report milliseconds instead of microseconds
/// @cmdarg {"short": "m", "long": "milliseconds"}
const volatile bool targ_ms = false;

struct hist {
	__u32 slots[MAX_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, u64);
} start SEC(".maps");

/// Run queue latency
/// @sample {"interval": 1000, "type": "log2_hist", "unit": "usecs"}
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct hist);
} hists SEC(".maps");

static __always_inline int enqueue(struct task_struct *p)
{
	u32 pid = BPF_CORE_READ(p, pid);
	u64 ts;

	if (!pid)
		return 0;
	if (targ_tgid && BPF_CORE_READ(p, tgid) != targ_tgid)
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &pid, &ts, BPF_ANY);
	return 0;
}

static __always_inline u64 log2l(u64 v)
{
	u64 r = 0;

	/* Bounded loop the verifier can follow: at most 64 halvings. */
	for (int i = 0; i < 64 && v > 1; i++) {
		v >>= 1;
		r++;
	}
	return r;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup, struct task_struct *p)
{
	return enqueue(p);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new, struct task_struct *p)
{
	return enqueue(p);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	u32 zero = 0, pid;
	u64 *tsp, delta, slot;
	struct hist *h;

	/* A preempted task is still runnable: its wait starts now. */
	if (BPF_CORE_READ(prev, __state) == TASK_RUNNING)
		enqueue(prev);

	pid = BPF_CORE_READ(next, pid);
	tsp = bpf_map_lookup_elem(&start, &pid);
	if (!tsp)
		return 0;
	delta = bpf_ktime_get_ns() - *tsp;
	bpf_map_delete_elem(&start, &pid);
	delta /= targ_ms ? 1000000 : 1000;
	slot = log2l(delta);
	if (slot >= MAX_SLOTS)
		slot = MAX_SLOTS - 1;
	h = bpf_map_lookup_elem(&hists, &zero);
	if (h)
		__sync_fetch_and_add(&h->slots[slot], 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
