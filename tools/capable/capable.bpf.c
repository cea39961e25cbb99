// SPDX-License-Identifier: GPL-2.0
/* capable: capability checks (cap_capable()) with the caller, the capability and the verdict.
 *
 * The capability:cap_capable tracepoint fires once cap_capable() has decided, with the credentials
 * checked, the capability and the result. It is read through tp_btf where the kernel allows it,
 * else through the raw tracepoint. It does not carry cap_capable()'s options (CAP_OPT_NOAUDIT,
 * CAP_OPT_INSETID), so the audit and insetid facts of a check are not known here.
 */
#define TOOLS_CGROUP_FILTER
#include "../include/tools.bpf.h"

enum unique_by { UNIQUE_OFF, UNIQUE_PID, UNIQUE_CGROUP };

struct cap_event {
	u32 pid;
	u32 tid;
	u32 uid;
	int cap;
	/* 0 when the capability is granted, else -EPERM. */
	int ret;
	char comm[TASK_COMM_LEN];
};

BPFKIT_EVENT(struct cap_event);

struct seen_key {
	int cap;
	u32 pid;
	u64 cgroup;
};

struct cred;
struct user_namespace;

/* Process (tgid) to trace, 0 for all. */
const volatile pid_t target_pid = 0;
/* The tool's own process, whose checks are not reported. */
const volatile pid_t my_pid = 0;
/* Report each capability once per process or per cgroup. */
const volatile int unique = UNIQUE_OFF;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct seen_key);
	__type(value, __u8);
} seen SEC(".maps");

SCRATCH_MAP(heap, sizeof(struct cap_event));

/* Whether this (capability, process or cgroup) was reported already; records it when not. */
static __always_inline bool already_seen(int cap, u32 pid)
{
	struct seen_key key = { .cap = cap };
	__u8 one = 1;

	if (unique == UNIQUE_OFF)
		return false;
	if (unique == UNIQUE_PID)
		key.pid = pid;
	else
		key.cgroup = bpf_get_current_cgroup_id();
	return bpf_map_update_elem(&seen, &key, &one, BPF_NOEXIST) != 0;
}

static __always_inline int handle(int cap, int ret)
{
	u32 zero = 0, pid = current_pid();
	struct cap_event *e;

	if (pid == my_pid || (target_pid && target_pid != pid))
		return 0;
	if (!cgroup_allowed() || already_seen(cap, pid))
		return 0;
	e = bpf_map_lookup_elem(&heap, &zero);
	if (!e)
		return 0;
	e->pid = pid;
	e->tid = current_tid();
	e->uid = (u32)bpf_get_current_uid_gid();
	e->cap = cap;
	e->ret = ret;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	send_event(e, sizeof(*e));
	return 0;
}

SEC("tp_btf/cap_capable")
int BPF_PROG(cap_btf, const struct cred *cred, struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	return handle(cap, ret);
}

SEC("raw_tp/cap_capable")
int BPF_PROG(cap_raw, const struct cred *cred, struct user_namespace *target_ns,
	     const struct user_namespace *capable_ns, int cap, int ret)
{
	return handle(cap, ret);
}
