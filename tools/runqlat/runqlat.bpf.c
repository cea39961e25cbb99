// SPDX-License-Identifier: GPL-2.0
/* runqlat: how long tasks wait on a run queue, from becoming runnable (woken, created, or
 * preempted while still runnable) to running, as log2 histograms in `hists`: one for everything
 * (key (u32)-1), or one per process, thread or PID namespace.
 *
 * The three scheduler tracepoints are read through tp_btf where the kernel allows it, else through
 * raw tracepoints; user space loads one set only. Both hand the same arguments.
 */
#define TOOLS_NO_EVENTS
#define TOOLS_CGROUP_FILTER
#include "../include/tools.bpf.h"
#include "../include/hist.bpf.h"

#define MAX_SLOTS 26
#define TASK_RUNNING 0

struct hist {
	u32 slots[MAX_SLOTS];
	char comm[TASK_COMM_LEN];
};

/* More of task_struct than tools.bpf.h declares; CO-RE ignores the ___ suffix. */
struct ns_common {
	unsigned int inum;
} __attribute__((preserve_access_index));

struct pid_namespace {
	struct ns_common ns;
} __attribute__((preserve_access_index));

struct nsproxy {
	struct pid_namespace *pid_ns_for_children;
} __attribute__((preserve_access_index));

struct task_struct___rq {
	unsigned int __state;
	struct nsproxy *nsproxy;
} __attribute__((preserve_access_index));

/* Before Linux 5.14 the state was `long state`. */
struct task_struct___rq_old {
	long state;
} __attribute__((preserve_access_index));

/* Process (tgid) to trace, 0 for all. */
const volatile pid_t targ_tgid = 0;
/* One histogram per process / thread / PID namespace (at most one is set). */
const volatile bool targ_per_process = false;
const volatile bool targ_per_thread = false;
const volatile bool targ_per_pidns = false;
/* Milliseconds instead of microseconds. */
const volatile bool targ_ms = false;

/* Thread id -> when it became runnable (ns). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct hist);
} hists SEC(".maps");

static struct hist zero_hist;

static __always_inline long task_state(struct task_struct *t)
{
	struct task_struct___rq *n = (void *)t;
	struct task_struct___rq_old *o = (void *)t;

	if (bpf_core_field_exists(n->__state))
		return BPF_CORE_READ(n, __state);
	return BPF_CORE_READ(o, state);
}

static __always_inline void enqueued(struct task_struct *t)
{
	u32 tgid = BPF_CORE_READ(t, tgid), tid = BPF_CORE_READ(t, pid);
	u64 now;

	/* The idle task is never queued. */
	if (!tid || (targ_tgid && targ_tgid != tgid))
		return;
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &tid, &now, BPF_ANY);
}

static __always_inline u32 hist_key(struct task_struct *t)
{
	if (targ_per_process)
		return BPF_CORE_READ(t, tgid);
	if (targ_per_thread)
		return BPF_CORE_READ(t, pid);
	if (targ_per_pidns)
		return BPF_CORE_READ((struct task_struct___rq *)t, nsproxy, pid_ns_for_children, ns.inum);
	return (u32)-1;
}

static __always_inline int on_wakeup(struct task_struct *p)
{
	if (cgroup_allowed())
		enqueued(p);
	return 0;
}

static __always_inline int on_switch(struct task_struct *prev, struct task_struct *next)
{
	u32 tid, key;
	u64 *since, delta;
	struct hist *h;

	if (!cgroup_allowed())
		return 0;
	if (task_state(prev) == TASK_RUNNING)
		enqueued(prev);
	tid = BPF_CORE_READ(next, pid);
	since = bpf_map_lookup_elem(&start, &tid);
	if (!since)
		return 0;
	delta = bpf_ktime_get_ns() - *since;
	bpf_map_delete_elem(&start, &tid);
	if ((__s64)delta < 0)
		return 0;
	key = hist_key(next);
	h = bpf_map_lookup_elem(&hists, &key);
	if (!h) {
		bpf_map_update_elem(&hists, &key, &zero_hist, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, &key);
		if (!h)
			return 0;
		if (targ_per_process || targ_per_thread || targ_per_pidns)
			BPF_CORE_READ_STR_INTO(&h->comm, next, comm);
	}
	delta /= targ_ms ? 1000000 : 1000;
	HIST_ADD(h->slots, MAX_SLOTS, delta);
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(wakeup_btf, struct task_struct *p)
{
	return on_wakeup(p);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(wakeup_new_btf, struct task_struct *p)
{
	return on_wakeup(p);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(prev, next);
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(wakeup_raw, struct task_struct *p)
{
	return on_wakeup(p);
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(wakeup_new_raw, struct task_struct *p)
{
	return on_wakeup(p);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(prev, next);
}
