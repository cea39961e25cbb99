// SPDX-License-Identifier: GPL-2.0
/* statsnoop: stat-family syscalls (statfs, stat, statx, fstat, fstatat, lstat) with the caller,
 * the result and the path.
 *
 * Each entry tracepoint keeps the call's path pointer and fds per thread; the exit tracepoint,
 * which knows the result, reads the path and sends the event. A call whose entry was not seen
 * (the tool started in between) is not reported.
 */
#include "../include/tools.bpf.h"

#define PATH_MAX 4096
#define AT_FDCWD -100

enum stat_call { STATFS = 1, NEWSTAT, STATX, NEWFSTAT, NEWFSTATAT, NEWLSTAT };

struct stat_event {
	/* Monotonic ns at exit. */
	u64 ts_ns;
	u32 pid;
	u32 tid;
	int ret;
	enum stat_call call;
	/* The fd stat'ed (fstat), else -1. */
	int fd;
	/* The directory fd a relative path is resolved against (AT_FDCWD: the cwd), -1 for fstat. */
	int dirfd;
	char comm[TASK_COMM_LEN];
	/* The path as passed, NUL-terminated (empty for fstat); the record ends with it. */
	char path[];
};

BPFKIT_EVENT(struct stat_event);

struct pending {
	const char *path;
	int fd;
	int dirfd;
	enum stat_call call;
};

/* Process (tgid) to trace, 0 for all. */
const volatile pid_t target_pid = 0;
/* Only failed calls. */
const volatile bool trace_failed_only = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct pending);
} values SEC(".maps");

#define EVENT_MAX (sizeof(struct stat_event) + PATH_MAX)
SCRATCH_MAP(heap, EVENT_MAX);

static __always_inline int enter(enum stat_call call, int fd, int dirfd, const char *path)
{
	u32 tid = current_tid();

	if (target_pid && target_pid != current_pid())
		return 0;
	struct pending p = { .path = path, .fd = fd, .dirfd = dirfd, .call = call };
	bpf_map_update_elem(&values, &tid, &p, BPF_ANY);
	return 0;
}

static __always_inline int leave(long ret)
{
	u32 tid = current_tid(), zero = 0;
	struct pending *p = bpf_map_lookup_elem(&values, &tid);
	struct stat_event *e;
	long len = 0;

	if (!p)
		return 0;
	if (trace_failed_only && ret >= 0)
		goto out;
	e = bpf_map_lookup_elem(&heap, &zero);
	if (!e)
		goto out;
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = current_pid();
	e->tid = tid;
	e->ret = ret;
	e->call = p->call;
	e->fd = p->fd;
	e->dirfd = p->dirfd;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	if (p->path)
		len = bpf_probe_read_user_str(e->path, PATH_MAX, p->path);
	if (len <= 0) {
		e->path[0] = 0;
		len = 1;
	}
	__u64 size = sizeof(*e) + (__u64)len;
	if (size <= EVENT_MAX)
		send_event(e, size);
out:
	bpf_map_delete_elem(&values, &tid);
	return 0;
}

#define PATH_ARG(n) ((const char *)ctx->args[n])

SEC("tracepoint/syscalls/sys_enter_statfs")
int enter_statfs(struct trace_event_raw_sys_enter *ctx)
{
	return enter(STATFS, -1, AT_FDCWD, PATH_ARG(0));
}

SEC("tracepoint/syscalls/sys_enter_newstat")
int enter_newstat(struct trace_event_raw_sys_enter *ctx)
{
	return enter(NEWSTAT, -1, AT_FDCWD, PATH_ARG(0));
}

SEC("tracepoint/syscalls/sys_enter_statx")
int enter_statx(struct trace_event_raw_sys_enter *ctx)
{
	return enter(STATX, -1, (int)ctx->args[0], PATH_ARG(1));
}

SEC("tracepoint/syscalls/sys_enter_newfstat")
int enter_newfstat(struct trace_event_raw_sys_enter *ctx)
{
	return enter(NEWFSTAT, (int)ctx->args[0], -1, 0);
}

SEC("tracepoint/syscalls/sys_enter_newfstatat")
int enter_newfstatat(struct trace_event_raw_sys_enter *ctx)
{
	return enter(NEWFSTATAT, -1, (int)ctx->args[0], PATH_ARG(1));
}

SEC("tracepoint/syscalls/sys_enter_newlstat")
int enter_newlstat(struct trace_event_raw_sys_enter *ctx)
{
	return enter(NEWLSTAT, -1, AT_FDCWD, PATH_ARG(0));
}

#define EXIT(call)                                                                                 \
	SEC("tracepoint/syscalls/sys_exit_" #call)                                                 \
	int exit_##call(struct trace_event_raw_sys_exit *ctx)                                      \
	{                                                                                          \
		return leave(ctx->ret);                                                            \
	}

EXIT(statfs)
EXIT(newstat)
EXIT(statx)
EXIT(newfstat)
EXIT(newfstatat)
EXIT(newlstat)
