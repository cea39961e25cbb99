// SPDX-License-Identifier: GPL-2.0
/* opensnoop: trace openat(2) with the pid, uid, flags, result and path of every call.
 *
 * The path is read on syscall entry and kept in a hash map keyed by thread id until the syscall
 * returns, when the event is completed with the result and sent to user space. Build with
 * -DUSE_RINGBUF to send through a ring buffer instead of a perf event array.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "bpfkit.h"
#include "opensnoop.h"

/// Process ID to trace (0: all)
const volatile pid_t pid_target = 0;
/// Thread ID to trace (0: all)
const volatile pid_t tid_target = 0;
/// User ID to trace (-1: all)
const volatile uid_t uid_target = -1;
/// Only show failed opens
const volatile bool failed_only = false;

struct args_t {
	const char *fname;
	int flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct args_t);
} start SEC(".maps");

#ifdef USE_RINGBUF
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");
#else
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} events SEC(".maps");
#endif

BPFKIT_EVENT(struct event);

/* "pid" means the process (the kernel's tgid), "tid" the thread (the kernel's pid), as ps shows them. */
static __always_inline bool trace_allowed(u32 tgid, u32 tid)
{
	if (pid_target && pid_target != tgid)
		return false;
	if (tid_target && tid_target != tid)
		return false;
	if (uid_target != (uid_t)-1) {
		u32 uid = (u32)bpf_get_current_uid_gid();
		if (uid != uid_target)
			return false;
	}
	return true;
}

SEC("tracepoint/syscalls/sys_enter_openat")
int tracepoint__syscalls__sys_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	u64 id = bpf_get_current_pid_tgid();
	u32 tgid = id >> 32, pid = id;

	if (trace_allowed(tgid, pid)) {
		struct args_t args = {};
		args.fname = (const char *)ctx->args[1];
		args.flags = (int)ctx->args[2];
		bpf_map_update_elem(&start, &pid, &args, 0);
	}
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int tracepoint__syscalls__sys_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	u32 pid = bpf_get_current_pid_tgid();
	struct args_t *ap = bpf_map_lookup_elem(&start, &pid);
	int ret;

	if (!ap)
		return 0;
	ret = ctx->ret;
	if (failed_only && ret >= 0)
		goto cleanup;

#ifdef USE_RINGBUF
	struct event *e = bpfkit_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		goto cleanup;
#else
	struct event ev = {};
	struct event *e = &ev;
#endif
	e->ts = bpf_ktime_get_ns();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->uid = bpf_get_current_uid_gid();
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	bpf_probe_read_user_str(&e->fname, sizeof(e->fname), ap->fname);
	e->flags = ap->flags;
	e->ret = ret;
#ifdef USE_RINGBUF
	bpfkit_ringbuf_submit(&events, e, 0);
#else
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, e, sizeof(*e));
#endif
cleanup:
	bpf_map_delete_elem(&start, &pid);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
