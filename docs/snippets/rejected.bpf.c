// SPDX-License-Identifier: GPL-2.0
/* rejected: the verifier refuses this program (a map value used without a NULL check). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getpid")
int count_getpid(void *ctx)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&calls, &key);

	*n += 1; /* n may be NULL: the verifier says so */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
