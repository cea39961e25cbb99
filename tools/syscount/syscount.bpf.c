// SPDX-License-Identifier: GPL-2.0
/* syscount: system calls counted per syscall number (or per process), with their total latency
 * when asked.
 *
 * raw_syscalls/sys_exit sees every syscall's number and result, so it alone counts; with latency,
 * raw_syscalls/sys_enter keeps each thread's entry time. Counts accumulate in `data`, which user
 * space reads and empties at each report. Nothing goes through the ring buffer.
 */
#define TOOLS_CGROUP_FILTER
#define TOOLS_NO_EVENTS
#include "../include/tools.bpf.h"

#define MAX_ENTRIES 8192

/* One counted key: a syscall number, or a process id with -P. */
struct data_t {
	u64 count;
	/* Sum of the latencies in ns (with measure_latency). */
	u64 total_ns;
	/* The process's main thread's comm (with count_by_process). */
	char comm[TASK_COMM_LEN];
};

/* Only the members read here; the ___syscount flavour keeps it apart from tools.bpf.h's task_struct. */
struct task_struct___syscount {
	struct task_struct___syscount *group_leader;
	char comm[TASK_COMM_LEN];
} __attribute__((preserve_access_index));

/* Process (tgid) to trace, 0 for all. */
const volatile pid_t filter_pid = 0;
/* Key by process instead of by syscall number. */
const volatile bool count_by_process = false;
/* Time each syscall (needs the sys_enter program attached). */
const volatile bool measure_latency = false;
/* Only syscalls that failed (returned a negative value). */
const volatile bool filter_failed = false;
/* Only syscalls that failed with this errno (positive), 0 for any. */
const volatile int filter_errno = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, u32);
	__type(value, u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, u32);
	__type(value, struct data_t);
} data SEC(".maps");

static __always_inline bool traced(u32 pid)
{
	return (!filter_pid || pid == (u32)filter_pid) && cgroup_allowed();
}

SEC("tracepoint/raw_syscalls/sys_enter")
int sys_enter(struct trace_event_raw_sys_enter *ctx)
{
	u64 id = bpf_get_current_pid_tgid(), ts;
	u32 tid = (u32)id;

	if (!traced(id >> 32))
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &tid, &ts, BPF_ANY);
	return 0;
}

/* The entry of `key` in `data`, created zeroed (with the process's comm) when missing. */
static __always_inline struct data_t *data_of(u32 key)
{
	struct data_t zero = {}, *val = bpf_map_lookup_elem(&data, &key);
	struct task_struct___syscount *task;

	if (val)
		return val;
	bpf_map_update_elem(&data, &key, &zero, BPF_NOEXIST);
	val = bpf_map_lookup_elem(&data, &key);
	if (val && count_by_process) {
		task = (void *)bpf_get_current_task();
		BPF_CORE_READ_STR_INTO(&val->comm, task, group_leader, comm);
	}
	return val;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int sys_exit(struct trace_event_raw_sys_exit *ctx)
{
	u64 id = bpf_get_current_pid_tgid(), *entered, delta = 0;
	u32 tid = (u32)id, pid = id >> 32;
	long nr = ctx->id, ret = ctx->ret;
	struct data_t *val;

	if (nr < 0 || !traced(pid))
		return 0;
	if (filter_failed && ret >= 0)
		return 0;
	if (filter_errno && ret != -filter_errno)
		return 0;
	if (measure_latency) {
		entered = bpf_map_lookup_elem(&start, &tid);
		if (!entered)
			return 0;
		delta = bpf_ktime_get_ns() - *entered;
		bpf_map_delete_elem(&start, &tid);
	}
	val = data_of(count_by_process ? pid : (u32)nr);
	if (!val)
		return 0;
	__sync_fetch_and_add(&val->count, 1);
	if (measure_latency)
		__sync_fetch_and_add(&val->total_ns, delta);
	return 0;
}
