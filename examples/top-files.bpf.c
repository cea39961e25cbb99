// SPDX-License-Identifier: GPL-2.0
/* top-files: openat(2) calls counted per path in a hash map, read and cleared by user space. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct path_key {
	char path[256];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct path_key);
	__type(value, __u64);
} opens SEC(".maps");

/* The key is too big for the stack next to the rest: one scratch key per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_key);
} scratch SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_openat")
int count_open(struct trace_event_raw_sys_enter *ctx)
{
	__u32 zero = 0;
	__u64 one = 1, *n;
	struct path_key *key = bpf_map_lookup_elem(&scratch, &zero);

	if (!key)
		return 0;
	__builtin_memset(key, 0, sizeof(*key));
	if (bpf_probe_read_user_str(key->path, sizeof(key->path), (const char *)ctx->args[1]) <= 0)
		return 0;
	n = bpf_map_lookup_elem(&opens, key);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&opens, key, &one, BPF_NOEXIST);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
