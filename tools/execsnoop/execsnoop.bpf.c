// SPDX-License-Identifier: GPL-2.0
/* execsnoop: every execve(2) and execveat(2) with the caller, its parent, the result and the
 * argument list.
 *
 * The entry tracepoint reads the file name and up to max_args - 1 arguments (ARGSIZE bytes each)
 * while the old image still exists, and keeps them per thread; the exit tracepoint adds the result
 * and the command name, which after a successful exec is the new program's, and sends the event.
 */
#define TOOLS_CGROUP_FILTER
#include "../include/tools.bpf.h"

#define ARGSIZE 128
#define TOTAL_MAX_ARGS 60
#define ARGS_MAX (TOTAL_MAX_ARGS * ARGSIZE)
#define LAST_ARG (ARGS_MAX - ARGSIZE)

enum exec_call { EXECVE, EXECVEAT };

struct exec_event {
	u32 pid;
	u32 tid;
	u32 ppid;
	u32 uid;
	int retval;
	/* Strings in args; max_args + 1 when the list was cut. */
	int args_count;
	u32 args_size;
	enum exec_call call;
	/* Monotonic time of the exec's return, ns. */
	u64 ts;
	char comm[TASK_COMM_LEN];
	/* The file name, then argv[1..]: NUL-terminated strings; the record ends with them. */
	char args[];
};

BPFKIT_EVENT(struct exec_event);

#define EVENT_MAX (sizeof(struct exec_event) + ARGS_MAX)

/* Drop failed execs (execsnoop without -x). */
const volatile bool ignore_failed = true;
/* User to trace, (uid_t)-1 for all. */
const volatile uid_t targ_uid = (uid_t)-1;
/* Strings to read: the file name and max_args - 1 arguments (1..60). */
const volatile int max_args = 20;

SCRATCH_MAP(heap, EVENT_MAX);

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, u32);
	__type(value, char[EVENT_MAX]);
} execs SEC(".maps");

static __always_inline int enter(const char *filename, const char *const *argv, enum exec_call call)
{
	u32 zero = 0, tid = current_tid(), uid = (u32)bpf_get_current_uid_gid();
	struct task_struct *task;
	struct exec_event *e;
	const char *arg;
	long n;

	if (targ_uid != (uid_t)-1 && targ_uid != uid)
		return 0;
	if (!cgroup_allowed())
		return 0;
	e = bpf_map_lookup_elem(&heap, &zero);
	if (!e)
		return 0;
	task = (struct task_struct *)bpf_get_current_task();
	e->pid = current_pid();
	e->tid = tid;
	e->uid = uid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->call = call;
	e->args_count = 0;
	e->args_size = 0;
	n = bpf_probe_read_user_str(e->args, ARGSIZE, filename);
	if (n > 0) {
		e->args_count = 1;
		e->args_size = n;
	}
	for (int i = 1; i < TOTAL_MAX_ARGS && i < max_args; i++) {
		u32 off = e->args_size;

		arg = NULL;
		bpf_probe_read_user(&arg, sizeof(arg), &argv[i]);
		if (!arg || off > LAST_ARG)
			goto keep;
		n = bpf_probe_read_user_str(e->args + off, ARGSIZE, arg);
		if (n <= 0)
			goto keep;
		e->args_count++;
		e->args_size = off + n;
	}
	/* Say whether there was more than we read. */
	arg = NULL;
	bpf_probe_read_user(&arg, sizeof(arg), &argv[max_args]);
	if (arg)
		e->args_count++;
keep:
	bpf_map_update_elem(&execs, &tid, e, BPF_ANY);
	return 0;
}

static __always_inline int leave(long ret)
{
	u32 tid = current_tid();
	struct exec_event *e = bpf_map_lookup_elem(&execs, &tid);

	if (!e)
		return 0;
	if (ignore_failed && ret < 0)
		goto out;
	e->retval = ret;
	e->ts = bpf_ktime_get_ns();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	__u64 size = sizeof(*e) + (__u64)e->args_size;
	if (size <= EVENT_MAX)
		send_event(e, size);
out:
	bpf_map_delete_elem(&execs, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int enter_execve(struct trace_event_raw_sys_enter *ctx)
{
	return enter((const char *)ctx->args[0], (const char *const *)ctx->args[1], EXECVE);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int enter_execveat(struct trace_event_raw_sys_enter *ctx)
{
	return enter((const char *)ctx->args[1], (const char *const *)ctx->args[2], EXECVEAT);
}

SEC("tracepoint/syscalls/sys_exit_execve")
int exit_execve(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_execveat")
int exit_execveat(struct trace_event_raw_sys_exit *ctx)
{
	return leave(ctx->ret);
}
