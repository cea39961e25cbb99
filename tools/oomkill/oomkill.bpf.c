// SPDX-License-Identifier: GPL-2.0
/* oomkill: OOM kills, with the task whose allocation triggered the kill and the victim.
 *
 * oom:mark_victim fires when the OOM killer marks its victim, in the context of the task whose
 * allocation ran out of memory (the trigger), so the current task is the trigger and the
 * tracepoint's task the victim. It is read through tp_btf where the kernel allows it, else through
 * the raw tracepoint. The OOM domain's size (oom_control's totalpages) is not reachable from it.
 */
#include "../include/tools.bpf.h"

struct oom_event {
	/* The process whose allocation triggered the kill. */
	u32 fpid;
	/* The process killed. */
	u32 tpid;
	/* The victim's address space, in pages (0 when it has none). */
	u64 total_vm;
	/* The victim's uid as the tracepoint gives it. */
	u32 uid;
	char fcomm[TASK_COMM_LEN];
	char tcomm[TASK_COMM_LEN];
};

BPFKIT_EVENT(struct oom_event);

struct mm_struct {
	unsigned long total_vm;
} __attribute__((preserve_access_index));

struct task_struct___oom {
	struct mm_struct *mm;
} __attribute__((preserve_access_index));

SCRATCH_MAP(heap, sizeof(struct oom_event));

static __always_inline int handle(struct task_struct *victim, uid_t uid)
{
	struct task_struct___oom *v = (void *)victim;
	u32 zero = 0;
	struct oom_event *e = bpf_map_lookup_elem(&heap, &zero);

	if (!e)
		return 0;
	e->fpid = current_pid();
	e->tpid = BPF_CORE_READ(victim, tgid);
	e->total_vm = BPF_CORE_READ(v, mm, total_vm);
	e->uid = uid;
	bpf_get_current_comm(e->fcomm, sizeof(e->fcomm));
	BPF_CORE_READ_STR_INTO(&e->tcomm, victim, comm);
	send_event(e, sizeof(*e));
	return 0;
}

SEC("tp_btf/mark_victim")
int BPF_PROG(victim_btf, struct task_struct *task, uid_t uid)
{
	return handle(task, uid);
}

SEC("raw_tp/mark_victim")
int BPF_PROG(victim_raw, struct task_struct *task, uid_t uid)
{
	return handle(task, uid);
}
