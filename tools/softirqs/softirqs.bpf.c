// SPDX-License-Identifier: GPL-2.0
/* softirqs: time spent in soft interrupts per vector (hi, timer, net_tx, net_rx, …), in `stats`
 * indexed by vector number: a count and total, or with targ_dist a log2 histogram of run times.
 *
 * softirq_entry/exit are read through tp_btf where the kernel allows it, else through raw
 * tracepoints; user space loads one pair, so each softirq is counted once. Softirqs do not nest
 * on a CPU, so one start time per CPU is enough.
 */
#define TOOLS_NO_EVENTS
#include "../include/tools.bpf.h"
#include "../include/hist.bpf.h"

#define MAX_SLOTS 20
#define NR_SOFTIRQS 10

struct stat {
	u64 count;
	/* Total run time. */
	u64 time;
	u32 slots[MAX_SLOTS];
};

/* Histograms of run time instead of totals. */
const volatile bool targ_dist = false;
/* Nanoseconds instead of microseconds. */
const volatile bool targ_ns = false;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NR_SOFTIRQS);
	__type(key, u32);
	__type(value, struct stat);
} stats SEC(".maps");

static __always_inline int on_entry(void)
{
	u32 zero = 0;
	u64 *ts = bpf_map_lookup_elem(&start, &zero);

	if (ts)
		*ts = bpf_ktime_get_ns();
	return 0;
}

static __always_inline int on_exit(unsigned int vec)
{
	u32 zero = 0, key = vec;
	u64 *ts, delta;
	struct stat *s;

	ts = bpf_map_lookup_elem(&start, &zero);
	if (!ts || !*ts)
		return 0;
	delta = bpf_ktime_get_ns() - *ts;
	*ts = 0;
	s = bpf_map_lookup_elem(&stats, &key);
	if (!s)
		return 0;
	if (!targ_ns)
		delta /= 1000;
	__sync_fetch_and_add(&s->count, 1);
	if (targ_dist)
		HIST_ADD(s->slots, MAX_SLOTS, delta);
	else
		__sync_fetch_and_add(&s->time, delta);
	return 0;
}

SEC("tp_btf/softirq_entry")
int BPF_PROG(entry_btf, unsigned int vec)
{
	return on_entry();
}

SEC("tp_btf/softirq_exit")
int BPF_PROG(exit_btf, unsigned int vec)
{
	return on_exit(vec);
}

SEC("raw_tp/softirq_entry")
int BPF_PROG(entry_raw, unsigned int vec)
{
	return on_entry();
}

SEC("raw_tp/softirq_exit")
int BPF_PROG(exit_raw, unsigned int vec)
{
	return on_exit(vec);
}
