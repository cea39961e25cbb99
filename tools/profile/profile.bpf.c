// SPDX-License-Identifier: GPL-2.0
/* profile: on every CPU-clock sample, the interrupted task's kernel and user stacks, counted.
 *
 * User space opens one software cpu-clock perf event per online CPU at the asked frequency and
 * attaches this program to each. A sample stores both stacks in `stackmap` (ids, -EFAULT when a
 * side has no frames: a kernel thread has no user stack, a task interrupted in user mode no
 * kernel stack) and counts the (process, stacks, comm) key in `counts`, which user space reads and
 * symbolizes at the end. Idle (the per-CPU swapper tasks, tid 0) is left out unless asked for.
 */
#define TOOLS_NO_EVENTS
#include "../include/tools.bpf.h"

#define MAX_PIDS 30

struct stack_key {
	u32 pid;
	int user_stack_id;
	int kern_stack_id;
	char name[TASK_COMM_LEN];
};

/* Set by user space. */
const volatile bool kernel_stacks_only = false;
const volatile bool user_stacks_only = false;
const volatile bool include_idle = false;
const volatile bool filter_by_pid = false;
const volatile bool filter_by_tid = false;
/* Only samples on this CPU, -1 for all. */
const volatile int target_cpu = -1;

/* value_size (depth * 8) and max_entries are set by user space before load. */
struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1024);
	__uint(key_size, sizeof(u32));
	__uint(value_size, 127 * sizeof(u64));
} stackmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct stack_key);
	__type(value, u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_PIDS);
	__type(key, u32);
	__type(value, __u8);
} pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_PIDS);
	__type(key, u32);
	__type(value, __u8);
} tids SEC(".maps");

SEC("perf_event")
int do_perf_event(void *ctx)
{
	u64 id = bpf_get_current_pid_tgid(), one = 1, *count;
	u32 pid = id >> 32, tid = (u32)id;
	struct stack_key key = {};

	if (!include_idle && tid == 0)
		return 0;
	if (target_cpu >= 0 && bpf_get_smp_processor_id() != (u32)target_cpu)
		return 0;
	if (filter_by_pid && !bpf_map_lookup_elem(&pids, &pid))
		return 0;
	if (filter_by_tid && !bpf_map_lookup_elem(&tids, &tid))
		return 0;
	key.pid = pid;
	bpf_get_current_comm(&key.name, sizeof(key.name));
	key.kern_stack_id = user_stacks_only ? -1 : bpf_get_stackid(ctx, &stackmap, 0);
	key.user_stack_id = kernel_stacks_only ? -1 : bpf_get_stackid(ctx, &stackmap, BPF_F_USER_STACK);
	count = bpf_map_lookup_elem(&counts, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST);
	return 0;
}
