// SPDX-License-Identifier: GPL-2.0
/* exec-audit: every exec(2) with its process, user, file and arguments, on a ring buffer. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "bpfkit.h"

#define ARGS_SIZE 1024

struct exec_record {
	__u32 pid;
	__u32 ppid;
	__u32 uid;
	__u32 args_size;
	char comm[16];
	char filename[256];
	__u8 args[ARGS_SIZE]; /* argv, each NUL-terminated, args_size bytes of it */
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} events SEC(".maps");

SEC("tracepoint/sched/sched_process_exec")
int audit_exec(struct trace_event_raw_sched_process_exec *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	unsigned int off = ctx->__data_loc_filename & 0xffff;
	unsigned long start, end, len;
	struct exec_record *r;

	r = bpfkit_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r)
		return 0;
	r->pid = bpf_get_current_pid_tgid() >> 32;
	r->ppid = BPF_CORE_READ(task, real_parent, tgid);
	r->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	bpf_probe_read_kernel_str(r->filename, sizeof(r->filename), (void *)ctx + off);
	/* At this tracepoint the new program's memory is in place: its argv is at mm->arg_start. */
	start = BPF_CORE_READ(task, mm, arg_start);
	end = BPF_CORE_READ(task, mm, arg_end);
	len = end > start ? end - start : 0;
	if (len > ARGS_SIZE)
		len = ARGS_SIZE;
	r->args_size = 0;
	if (len && bpf_probe_read_user(r->args, len, (void *)start) == 0)
		r->args_size = len;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
