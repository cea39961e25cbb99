// SPDX-License-Identifier: GPL-2.0
/* exitsnoop: every process (or, with trace_by_process off, thread) that exits, with its parent,
 * age and exit status.
 *
 * sched_process_exit runs in the exiting task. Two programs read it: through tp_btf where the
 * kernel allows it, else through the raw tracepoint; user space loads one of them.
 */
#define TOOLS_CGROUP_FILTER
#include "../include/tools.bpf.h"

struct exit_event {
	/* Monotonic ns: the task's start and its exit. */
	u64 start_time;
	u64 exit_time;
	u32 pid;
	u32 tid;
	u32 ppid;
	/* The low byte of the exit status: the signal (bit 7: core dumped), 0 for a plain exit. */
	u32 sig;
	/* The exit code given to exit(2), 0 after a signal. */
	int exit_code;
	char comm[TASK_COMM_LEN];
};

BPFKIT_EVENT(struct exit_event);

/* Process (tgid) to trace, 0 for all. */
const volatile pid_t target_pid = 0;
/* Only non-zero exit statuses. */
const volatile bool trace_failed_only = false;
/* Only the exit of each process's main thread (off: every thread). */
const volatile bool trace_by_process = true;

SCRATCH_MAP(heap, sizeof(struct exit_event));

static __always_inline int handle_exit(struct task_struct *task)
{
	u32 zero = 0, pid = BPF_CORE_READ(task, tgid), tid = BPF_CORE_READ(task, pid);
	struct exit_event *e;
	int status;

	if (target_pid && target_pid != pid)
		return 0;
	if (trace_by_process && pid != tid)
		return 0;
	if (!cgroup_allowed())
		return 0;
	status = BPF_CORE_READ(task, exit_code);
	if (trace_failed_only && status == 0)
		return 0;
	e = bpf_map_lookup_elem(&heap, &zero);
	if (!e)
		return 0;
	e->start_time = BPF_CORE_READ(task, start_time);
	e->exit_time = bpf_ktime_get_ns();
	e->pid = pid;
	e->tid = tid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->sig = status & 0xff;
	e->exit_code = status >> 8;
	BPF_CORE_READ_STR_INTO(&e->comm, task, comm);
	send_event(e, sizeof(*e));
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(exit_btf, struct task_struct *task)
{
	return handle_exit(task);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(exit_raw, struct task_struct *task)
{
	return handle_exit(task);
}
