// SPDX-License-Identifier: GPL-2.0
/* broken: does not compile (an undeclared identifier). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("tracepoint/syscalls/sys_enter_getpid")
int broken(void *ctx)
{
	return undeclared;
}

char LICENSE[] SEC("license") = "GPL";
