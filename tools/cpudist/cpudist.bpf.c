// SPDX-License-Identifier: GPL-2.0
/* cpudist: how long tasks run on a CPU before being switched out while still runnable (on-CPU),
 * or, with targ_offcpu, how long they stay off a CPU, as log2 histograms in `hists`: one for
 * everything (key (u32)-1), or one per process or thread.
 *
 * sched_switch is read through tp_btf where the kernel allows it, else through its raw tracepoint;
 * user space loads one of the two programs.
 */
#define TOOLS_NO_EVENTS
#define TOOLS_CGROUP_FILTER
#include "../include/tools.bpf.h"
#include "../include/hist.bpf.h"

#define MAX_SLOTS 36
#define TASK_RUNNING 0

struct hist {
	u32 slots[MAX_SLOTS];
	char comm[TASK_COMM_LEN];
};

struct task_struct___cd {
	unsigned int __state;
} __attribute__((preserve_access_index));

/* Before Linux 5.14 the state was `long state`. */
struct task_struct___cd_old {
	long state;
} __attribute__((preserve_access_index));

/* Process (tgid) to trace, 0 for all. */
const volatile pid_t targ_tgid = 0;
/* One histogram per process / thread (at most one is set). */
const volatile bool targ_per_process = false;
const volatile bool targ_per_thread = false;
/* Off-CPU instead of on-CPU time. */
const volatile bool targ_offcpu = false;
/* Milliseconds instead of microseconds. */
const volatile bool targ_ms = false;

/* Thread id -> when it was switched in (on-CPU) or out (off-CPU), ns. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
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
	struct task_struct___cd *n = (void *)t;
	struct task_struct___cd_old *o = (void *)t;

	if (bpf_core_field_exists(n->__state))
		return BPF_CORE_READ(n, __state);
	return BPF_CORE_READ(o, state);
}

static __always_inline void mark(struct task_struct *t, u64 now)
{
	u32 tid = BPF_CORE_READ(t, pid);

	if (targ_tgid && targ_tgid != BPF_CORE_READ(t, tgid))
		return;
	bpf_map_update_elem(&start, &tid, &now, BPF_ANY);
}

static __always_inline void account(struct task_struct *t, u64 now)
{
	u32 tid = BPF_CORE_READ(t, pid), tgid = BPF_CORE_READ(t, tgid), key;
	u64 *since, delta;
	struct hist *h;

	since = bpf_map_lookup_elem(&start, &tid);
	if (!since)
		return;
	if (targ_tgid && targ_tgid != tgid)
		return;
	delta = now - *since;
	if ((__s64)delta < 0)
		return;
	key = targ_per_process ? tgid : targ_per_thread ? tid : (u32)-1;
	h = bpf_map_lookup_elem(&hists, &key);
	if (!h) {
		bpf_map_update_elem(&hists, &key, &zero_hist, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, &key);
		if (!h)
			return;
		if (targ_per_process || targ_per_thread)
			BPF_CORE_READ_STR_INTO(&h->comm, t, comm);
	}
	delta /= targ_ms ? 1000000 : 1000;
	HIST_ADD(h->slots, MAX_SLOTS, delta);
}

static __always_inline int on_switch(struct task_struct *prev, struct task_struct *next)
{
	u64 now = bpf_ktime_get_ns();

	if (!cgroup_allowed())
		return 0;
	if (targ_offcpu) {
		mark(prev, now);
		account(next, now);
	} else {
		if (task_state(prev) == TASK_RUNNING)
			account(prev, now);
		mark(next, now);
	}
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(prev, next);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return on_switch(prev, next);
}
