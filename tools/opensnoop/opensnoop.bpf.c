// SPDX-License-Identifier: GPL-2.0
/* opensnoop: every open(2), openat(2) and openat2(2) with its caller, flags, result and path.
 *
 * The entry tracepoint keeps the path pointer and flags per thread; the exit tracepoint, which
 * knows the result, reads the path and sends the event. Reading the path at exit sees the string
 * the kernel actually opened (it is in user memory the caller cannot have released yet).
 */
#include "../include/tools.bpf.h"

#define PATH_MAX 4096
#define O_CREAT 0100
#define O_TMPFILE 020200000

enum open_call { OPEN, OPENAT, OPENAT2 };

struct open_event {
	u32 pid;
	u32 tid;
	u32 uid;
	int ret;
	int flags;
	u32 mode;
	enum open_call call;
	char comm[TASK_COMM_LEN];
	/* The path as passed, NUL-terminated; the record ends with it. */
	char path[];
};

BPFKIT_EVENT(struct open_event);

struct open_how_flags {
	__u64 flags;
	__u64 mode;
};

struct pending {
	const char *path;
	int flags;
	u32 mode;
	enum open_call call;
};

/* Process (tgid) to trace, 0 for all. */
const volatile pid_t targ_pid = 0;
/* Thread to trace, 0 for all. */
const volatile pid_t targ_tid = 0;
/* User to trace, (uid_t)-1 for all. */
const volatile uid_t targ_uid = (uid_t)-1;
/* Only failed opens. */
const volatile bool targ_failed = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct pending);
} start SEC(".maps");

#define EVENT_MAX (sizeof(struct open_event) + PATH_MAX)
SCRATCH_MAP(heap, EVENT_MAX);

static __always_inline int enter(const char *path, int flags, u32 mode, enum open_call call)
{
	u32 pid = current_pid(), tid = current_tid();

	if (targ_pid && targ_pid != pid)
		return 0;
	if (targ_tid && targ_tid != tid)
		return 0;
	if (targ_uid != (uid_t)-1 && targ_uid != (u32)bpf_get_current_uid_gid())
		return 0;
	/* The mode means something only when a file may be created. */
	if (!(flags & O_CREAT) && (flags & O_TMPFILE) != O_TMPFILE)
		mode = 0;
	struct pending p = { .path = path, .flags = flags, .mode = mode, .call = call };
	bpf_map_update_elem(&start, &tid, &p, BPF_ANY);
	return 0;
}

static __always_inline int leave(long ret)
{
	u32 tid = current_tid(), zero = 0;
	struct pending *p = bpf_map_lookup_elem(&start, &tid);
	struct open_event *e;

	if (!p)
		return 0;
	if (targ_failed && ret >= 0)
		goto out;
	e = bpf_map_lookup_elem(&heap, &zero);
	if (!e)
		goto out;
	e->pid = current_pid();
	e->tid = tid;
	e->uid = (u32)bpf_get_current_uid_gid();
	e->ret = ret;
	e->flags = p->flags;
	e->mode = p->mode;
	e->call = p->call;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	long len = bpf_probe_read_user_str(e->path, PATH_MAX, p->path);
	if (len <= 0) {
		e->path[0] = 0;
		len = 1;
	}
	__u64 size = sizeof(*e) + (__u64)len;
	if (size <= EVENT_MAX)
		send_event(e, size);
out:
	bpf_map_delete_elem(&start, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_open")
int enter_open(struct trace_event_raw_sys_enter *ctx)
{
	return enter((const char *)ctx->args[0], (int)ctx->args[1], (u32)ctx->args[2], OPEN);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	return enter((const char *)ctx->args[1], (int)ctx->args[2], (u32)ctx->args[3], OPENAT);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	struct open_how_flags how = {};

	bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]);
	return enter((const char *)ctx->args[1], (int)how.flags, (u32)how.mode, OPENAT2);
}

SEC("tracepoint/syscalls/sys_exit_open")
int exit_open(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat")
int exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx->ret);
}
