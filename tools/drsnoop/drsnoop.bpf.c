// SPDX-License-Identifier: GPL-2.0
/* drsnoop: direct reclaim (an allocating task reclaiming pages itself), with its latency and the
 * pages reclaimed; with trace_memcg, also the reclaim a task does when its memory cgroup is at
 * its limit.
 *
 * The begin tracepoint keeps the start time per thread; the end tracepoint, which carries the
 * number of pages reclaimed, sends the event. Each is read through tp_btf where the kernel allows
 * it, else through the raw tracepoint.
 */
#include "../include/tools.bpf.h"

enum reclaim_kind { DIRECT, MEMCG };

struct reclaim_event {
	u64 delta_ns;
	u64 nr_reclaimed;
	u32 pid;
	u32 tid;
	enum reclaim_kind kind;
	char comm[TASK_COMM_LEN];
};

BPFKIT_EVENT(struct reclaim_event);

/* Process (tgid) and thread to trace, 0 for all. */
const volatile pid_t targ_pid = 0;
const volatile pid_t targ_tid = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, u32);
	__type(value, u64);
} start SEC(".maps");

SCRATCH_MAP(heap, sizeof(struct reclaim_event));

static __always_inline int begin(void)
{
	u32 tid = current_tid();
	u64 ts;

	if (targ_pid && targ_pid != current_pid())
		return 0;
	if (targ_tid && targ_tid != tid)
		return 0;
	ts = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &tid, &ts, BPF_ANY);
	return 0;
}

static __always_inline int end(unsigned long nr_reclaimed, enum reclaim_kind kind)
{
	u32 tid = current_tid(), zero = 0;
	u64 *ts = bpf_map_lookup_elem(&start, &tid);
	struct reclaim_event *e;

	if (!ts)
		return 0;
	e = bpf_map_lookup_elem(&heap, &zero);
	if (e) {
		e->delta_ns = bpf_ktime_get_ns() - *ts;
		e->nr_reclaimed = nr_reclaimed;
		e->pid = current_pid();
		e->tid = tid;
		e->kind = kind;
		bpf_get_current_comm(e->comm, sizeof(e->comm));
		send_event(e, sizeof(*e));
	}
	bpf_map_delete_elem(&start, &tid);
	return 0;
}

SEC("tp_btf/mm_vmscan_direct_reclaim_begin")
int BPF_PROG(direct_begin_btf, int order, unsigned int gfp_flags)
{
	return begin();
}

SEC("raw_tp/mm_vmscan_direct_reclaim_begin")
int BPF_PROG(direct_begin_raw, int order, unsigned int gfp_flags)
{
	return begin();
}

SEC("tp_btf/mm_vmscan_direct_reclaim_end")
int BPF_PROG(direct_end_btf, unsigned long nr_reclaimed)
{
	return end(nr_reclaimed, DIRECT);
}

SEC("raw_tp/mm_vmscan_direct_reclaim_end")
int BPF_PROG(direct_end_raw, unsigned long nr_reclaimed)
{
	return end(nr_reclaimed, DIRECT);
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(memcg_begin_btf, int order, unsigned int gfp_flags)
{
	return begin();
}

SEC("raw_tp/mm_vmscan_memcg_reclaim_begin")
int BPF_PROG(memcg_begin_raw, int order, unsigned int gfp_flags)
{
	return begin();
}

SEC("tp_btf/mm_vmscan_memcg_reclaim_end")
int BPF_PROG(memcg_end_btf, unsigned long nr_reclaimed)
{
	return end(nr_reclaimed, MEMCG);
}

SEC("raw_tp/mm_vmscan_memcg_reclaim_end")
int BPF_PROG(memcg_end_raw, unsigned long nr_reclaimed)
{
	return end(nr_reclaimed, MEMCG);
}
