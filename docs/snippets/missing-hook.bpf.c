// SPDX-License-Identifier: GPL-2.0
/* missing-hook: a tracepoint no kernel has. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tracepoint/syscalls/sys_enter_no_such_call")
int no_such_call(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
