// SPDX-License-Identifier: GPL-2.0
/* opensnoop in the style of the eBPF tutorials: no event struct, no user-space code, only a
 * bpf_printk line per openat(2). `bpfkit build` reads the doc comments below into the package, and
 * `bpfkit run` turns pid_target into --pid_target and shows the trace_pipe lines.
 *
 * The filter compares the process id (the tgid, upper half of bpf_get_current_pid_tgid()), so
 * --pid_target N also catches the opens of N's other threads.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/// @description "Process ID to trace"
const volatile int pid_target = 0;

SEC("tracepoint/syscalls/sys_enter_openat")
int tracepoint__syscalls__sys_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (pid_target && (u32)pid_target != tgid)
		return 0;
	bpf_printk("Process ID: %d enter sys openat", tgid);
	return 0;
}

/// @brief Trace openat(2) calls with bpf_printk.
/// @details Every openat prints "Process ID: <pid> enter sys openat" to the kernel trace pipe.
char LICENSE[] SEC("license") = "GPL";
