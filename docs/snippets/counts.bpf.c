// SPDX-License-Identifier: GPL-2.0
/* counts: openat(2) calls by user and command in a hash map, and per CPU in a per-CPU array. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct opener {
	__u32 uid;
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct opener);
	__type(value, __u64);
} opens SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} per_cpu SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int count_openat(void *ctx)
{
	struct opener key = {};
	__u64 one = 1, *n;
	__u32 zero = 0;

	key.uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(key.comm, sizeof(key.comm));
	n = bpf_map_lookup_elem(&opens, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&opens, &key, &one, BPF_NOEXIST);
	n = bpf_map_lookup_elem(&per_cpu, &zero);
	if (n)
		*n += 1; /* this CPU's slot: no other CPU writes it */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
