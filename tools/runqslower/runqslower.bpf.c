// SPDX-License-Identifier: GPL-2.0
/* runqslower: tasks that waited on a run queue longer than a threshold before they ran.
 *
 * A task joins a run queue when it is woken (sched_wakeup, sched_wakeup_new) or when it is switched
 * out while still runnable (preempted, at sched_switch); it leaves when sched_switch picks it. The
 * time it joined is kept by thread id. Each hook is implemented twice, through tp_btf and through
 * the raw tracepoint; user space loads one set.
 */
#include "../include/tools.bpf.h"

#define TASK_RUNNING 0

/* The task state member under its current and its pre-5.14 name (CO-RE picks what exists). */
struct task_struct___state {
	unsigned int __state;
} __attribute__((preserve_access_index));

struct task_struct___legacy {
	long state;
} __attribute__((preserve_access_index));

struct runqslower_event {
	char comm[TASK_COMM_LEN];
	char prev_comm[TASK_COMM_LEN];
	/* µs between joining the run queue and running. */
	u64 delta_us;
	/* The task that ran (thread and process id) and the one it replaced. */
	u32 tid;
	u32 pid;
	u32 prev_tid;
};

BPFKIT_EVENT(struct runqslower_event);

/* Report waits longer than this many µs. */
const volatile u64 min_us = 10000;
/* Process and thread to trace, 0 for all. */
const volatile pid_t target_pid = 0;
const volatile pid_t target_tid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, u64);
} enqueued SEC(".maps");

static __always_inline long task_state(struct task_struct *t)
{
	struct task_struct___state *s = (void *)t;

	if (bpf_core_field_exists(s->__state))
		return BPF_CORE_READ(s, __state);
	return BPF_CORE_READ((struct task_struct___legacy *)t, state);
}

static __always_inline int enqueue(struct task_struct *t)
{
	u32 tid = BPF_CORE_READ(t, pid);
	u64 now;

	if (!tid)
		return 0;
	if (target_pid && BPF_CORE_READ(t, tgid) != target_pid)
		return 0;
	if (target_tid && tid != target_tid)
		return 0;
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&enqueued, &tid, &now, BPF_ANY);
	return 0;
}

static __always_inline int switched(struct task_struct *prev, struct task_struct *next)
{
	struct runqslower_event e;
	u32 tid;
	u64 *start, delta;

	if (task_state(prev) == TASK_RUNNING)
		enqueue(prev);
	tid = BPF_CORE_READ(next, pid);
	start = bpf_map_lookup_elem(&enqueued, &tid);
	if (!start)
		return 0;
	delta = (bpf_ktime_get_ns() - *start) / 1000;
	bpf_map_delete_elem(&enqueued, &tid);
	if (delta <= min_us)
		return 0;
	__builtin_memset(&e, 0, sizeof(e));
	e.delta_us = delta;
	e.tid = tid;
	e.pid = BPF_CORE_READ(next, tgid);
	e.prev_tid = BPF_CORE_READ(prev, pid);
	BPF_CORE_READ_STR_INTO(&e.comm, next, comm);
	BPF_CORE_READ_STR_INTO(&e.prev_comm, prev, comm);
	send_event(&e, sizeof(e));
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(wakeup_btf, struct task_struct *p)
{
	return enqueue(p);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(wakeup_new_btf, struct task_struct *p)
{
	return enqueue(p);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(switch_btf, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return switched(prev, next);
}

SEC("raw_tp/sched_wakeup")
int BPF_PROG(wakeup_raw, struct task_struct *p)
{
	return enqueue(p);
}

SEC("raw_tp/sched_wakeup_new")
int BPF_PROG(wakeup_new_raw, struct task_struct *p)
{
	return enqueue(p);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(switch_raw, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return switched(prev, next);
}
