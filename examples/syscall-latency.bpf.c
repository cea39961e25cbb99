// SPDX-License-Identifier: GPL-2.0
/* syscall-latency: time of every system call (entry to exit) in a log2 histogram of nanoseconds. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define SLOTS 32

/// Process ID to measure (0: all)
const volatile pid_t target_pid = 0;

/* Entry time by thread id until the call returns. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, __u64);
} start SEC(".maps");

/* Slot i counts calls of 2^i .. 2^(i+1)-1 ns, per CPU so no two CPUs write one counter. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} hist SEC(".maps");

SEC("tracepoint/raw_syscalls/sys_enter")
int syscall_enter(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = id, pid = id >> 32;
	__u64 ts;

	if (target_pid && pid != target_pid)
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &tid, &ts, BPF_ANY);
	return 0;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int syscall_exit(void *ctx)
{
	__u32 tid = bpf_get_current_pid_tgid();
	__u64 *ts = bpf_map_lookup_elem(&start, &tid), delta, *count;
	__u32 slot = 0;

	if (!ts)
		return 0;
	delta = bpf_ktime_get_ns() - *ts;
	bpf_map_delete_elem(&start, &tid);
	while (delta > 1 && slot < SLOTS - 1) {
		delta >>= 1;
		slot++;
	}
	count = bpf_map_lookup_elem(&hist, &slot);
	if (count)
		*count += 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
