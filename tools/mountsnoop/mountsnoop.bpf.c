// SPDX-License-Identifier: GPL-2.0
/* mountsnoop: mount(2), umount2(2) and the new mount API (fsopen, fsconfig, fsmount, move_mount)
 * with the caller, its mount namespace, the arguments, the result and the latency.
 *
 * The entry tracepoint keeps the arguments (string pointers included) per thread; the exit
 * tracepoint reads the strings, which the caller cannot have released during the call, and sends
 * them NUL-separated after the fixed part of the record.
 */
#include "../include/tools.bpf.h"

#define STR_MAX 4096
#define NSTR 4
#define TAIL_MAX (NSTR * STR_MAX)

enum mount_op { MOUNT = 1, UMOUNT, FSOPEN, FSCONFIG, FSMOUNT, MOVE_MOUNT };

struct mount_event {
	/* Nanoseconds from entry to exit. */
	u64 delta_ns;
	/* mount, umount2, fsopen, fsmount, move_mount: the flags argument. */
	u64 flags;
	u32 pid;
	u32 tid;
	/* The caller's mount namespace (its inode number). */
	u32 mnt_ns;
	int ret;
	enum mount_op op;
	/* fsconfig: fd; fsmount: fs_fd; move_mount: from_dfd. */
	int fd;
	/* fsconfig: aux; move_mount: to_dfd. */
	int fd2;
	/* fsconfig: cmd; fsmount: attr_flags. */
	u32 arg;
	char comm[TASK_COMM_LEN];
	/* NUL-terminated strings: mount: source, target, fs type, data; umount2: target; fsopen: fs
	 * type; fsconfig: key, value; move_mount: from path, to path. The record ends with them. */
	char strings[];
};

BPFKIT_EVENT(struct mount_event);

struct pending {
	u64 ts;
	u64 flags;
	const char *str[NSTR];
	int fd;
	int fd2;
	u32 arg;
	enum mount_op op;
};

struct ns_common {
	unsigned int inum;
} __attribute__((preserve_access_index));

struct mnt_namespace {
	struct ns_common ns;
} __attribute__((preserve_access_index));

struct nsproxy {
	struct mnt_namespace *mnt_ns;
} __attribute__((preserve_access_index));

struct task_struct___mnt {
	struct nsproxy *nsproxy;
} __attribute__((preserve_access_index));

/* Process (tgid) to trace, 0 for all. */
const volatile pid_t target_pid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct pending);
} args SEC(".maps");

#define EVENT_MAX (sizeof(struct mount_event) + TAIL_MAX)
SCRATCH_MAP(heap, EVENT_MAX);
/* The entry being built, per CPU: struct pending is too large for the BPF stack with the rest. */
SCRATCH_MAP(building, sizeof(struct pending));

static __always_inline struct pending *start(enum mount_op op)
{
	u32 zero = 0;
	struct pending *p;

	if (target_pid && target_pid != current_pid())
		return 0;
	p = bpf_map_lookup_elem(&building, &zero);
	if (!p)
		return 0;
	__builtin_memset(p, 0, sizeof(*p));
	p->op = op;
	p->ts = bpf_ktime_get_ns();
	return p;
}

static __always_inline int keep(struct pending *p)
{
	u32 tid = current_tid();

	bpf_map_update_elem(&args, &tid, p, BPF_ANY);
	return 0;
}

static __always_inline u32 mnt_ns(void)
{
	struct task_struct___mnt *task = (void *)bpf_get_current_task();

	return BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
}

static __always_inline int leave(long ret)
{
	u32 tid = current_tid(), zero = 0, off = 0;
	struct pending *p = bpf_map_lookup_elem(&args, &tid);
	struct mount_event *e;

	if (!p)
		return 0;
	e = bpf_map_lookup_elem(&heap, &zero);
	if (!e)
		goto out;
	e->delta_ns = bpf_ktime_get_ns() - p->ts;
	e->flags = p->flags;
	e->pid = current_pid();
	e->tid = tid;
	e->mnt_ns = mnt_ns();
	e->ret = ret;
	e->op = p->op;
	e->fd = p->fd;
	e->fd2 = p->fd2;
	e->arg = p->arg;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
#pragma unroll
	for (int i = 0; i < NSTR; i++) {
		long n = 0;

		if (off > TAIL_MAX - STR_MAX)
			break;
		if (p->str[i])
			n = bpf_probe_read_user_str(e->strings + off, STR_MAX, p->str[i]);
		if (n <= 0) {
			e->strings[off] = 0;
			n = 1;
		}
		off += n;
	}
	__u64 size = sizeof(*e) + off;
	if (size <= EVENT_MAX)
		send_event(e, size);
out:
	bpf_map_delete_elem(&args, &tid);
	return 0;
}

#define ARG(n) (ctx->args[n])
#define STR(n) ((const char *)ctx->args[n])

SEC("tracepoint/syscalls/sys_enter_mount")
int mount_entry(struct trace_event_raw_sys_enter *ctx)
{
	struct pending *p = start(MOUNT);

	if (!p)
		return 0;
	p->str[0] = STR(0);
	p->str[1] = STR(1);
	p->str[2] = STR(2);
	p->flags = ARG(3);
	p->str[3] = STR(4);
	return keep(p);
}

SEC("tracepoint/syscalls/sys_enter_umount")
int umount_entry(struct trace_event_raw_sys_enter *ctx)
{
	struct pending *p = start(UMOUNT);

	if (!p)
		return 0;
	p->str[0] = STR(0);
	p->flags = (u32)ARG(1);
	return keep(p);
}

SEC("tracepoint/syscalls/sys_enter_fsopen")
int fsopen_entry(struct trace_event_raw_sys_enter *ctx)
{
	struct pending *p = start(FSOPEN);

	if (!p)
		return 0;
	p->str[0] = STR(0);
	p->flags = (u32)ARG(1);
	return keep(p);
}

/* fsconfig's value is a string only for these commands (a blob or nothing for the others). */
#define FSCONFIG_SET_STRING 1
#define FSCONFIG_SET_PATH 3
#define FSCONFIG_SET_PATH_EMPTY 4

SEC("tracepoint/syscalls/sys_enter_fsconfig")
int fsconfig_entry(struct trace_event_raw_sys_enter *ctx)
{
	struct pending *p = start(FSCONFIG);
	u32 cmd = (u32)ARG(1);

	if (!p)
		return 0;
	p->fd = (int)ARG(0);
	p->arg = cmd;
	p->str[0] = STR(2);
	if (cmd == FSCONFIG_SET_STRING || cmd == FSCONFIG_SET_PATH || cmd == FSCONFIG_SET_PATH_EMPTY)
		p->str[1] = STR(3);
	p->fd2 = (int)ARG(4);
	return keep(p);
}

SEC("tracepoint/syscalls/sys_enter_fsmount")
int fsmount_entry(struct trace_event_raw_sys_enter *ctx)
{
	struct pending *p = start(FSMOUNT);

	if (!p)
		return 0;
	p->fd = (int)ARG(0);
	p->flags = (u32)ARG(1);
	p->arg = (u32)ARG(2);
	return keep(p);
}

SEC("tracepoint/syscalls/sys_enter_move_mount")
int move_mount_entry(struct trace_event_raw_sys_enter *ctx)
{
	struct pending *p = start(MOVE_MOUNT);

	if (!p)
		return 0;
	p->fd = (int)ARG(0);
	p->str[0] = STR(1);
	p->fd2 = (int)ARG(2);
	p->str[1] = STR(3);
	p->flags = (u32)ARG(4);
	return keep(p);
}

#define EXIT(call)                                                                                 \
	SEC("tracepoint/syscalls/sys_exit_" #call)                                                 \
	int call##_exit(struct trace_event_raw_sys_exit *ctx)                                      \
	{                                                                                          \
		return leave(ctx->ret);                                                            \
	}

EXIT(mount)
EXIT(umount)
EXIT(fsopen)
EXIT(fsconfig)
EXIT(fsmount)
EXIT(move_mount)
