// SPDX-License-Identifier: GPL-2.0
/* hardirqs: time spent in (or, with targ_count, the number of) hard interrupt handlers, per
 * handler name, in `infos`: a total, or with targ_dist a log2 histogram of each handler's run time.
 *
 * irq_handler_entry/exit are read through tp_btf where the kernel allows it, else through raw
 * tracepoints; user space loads one pair, so each interrupt is counted once. Handlers do not nest
 * on a CPU, so one start time per CPU is enough.
 */
#define TOOLS_NO_EVENTS
#define TOOLS_CGROUP_FILTER
#include "../include/tools.bpf.h"
#include "../include/hist.bpf.h"

#define MAX_SLOTS 20

struct irq_key {
	char name[32];
};

struct info {
	/* Handler calls (targ_count), or total run time. */
	u64 count;
	u32 slots[MAX_SLOTS];
};

struct irqaction {
	const char *name;
} __attribute__((preserve_access_index));

/* Count handler calls instead of timing them. */
const volatile bool targ_count = false;
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
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct irq_key);
	__type(value, struct info);
} infos SEC(".maps");

static struct info zero_info;

static __always_inline struct info *info_of(struct irqaction *action)
{
	struct irq_key key = {};
	struct info *i;

	bpf_probe_read_kernel_str(&key.name, sizeof(key.name), BPF_CORE_READ(action, name));
	i = bpf_map_lookup_elem(&infos, &key);
	if (i)
		return i;
	bpf_map_update_elem(&infos, &key, &zero_info, BPF_NOEXIST);
	return bpf_map_lookup_elem(&infos, &key);
}

static __always_inline int on_entry(struct irqaction *action)
{
	u32 zero = 0;
	u64 *ts;
	struct info *i;

	if (!cgroup_allowed())
		return 0;
	if (targ_count) {
		i = info_of(action);
		if (i)
			__sync_fetch_and_add(&i->count, 1);
		return 0;
	}
	ts = bpf_map_lookup_elem(&start, &zero);
	if (ts)
		*ts = bpf_ktime_get_ns();
	return 0;
}

static __always_inline int on_exit(struct irqaction *action)
{
	u32 zero = 0;
	u64 *ts, delta;
	struct info *i;

	if (targ_count || !cgroup_allowed())
		return 0;
	ts = bpf_map_lookup_elem(&start, &zero);
	if (!ts || !*ts)
		return 0;
	delta = bpf_ktime_get_ns() - *ts;
	*ts = 0;
	if (!targ_ns)
		delta /= 1000;
	i = info_of(action);
	if (!i)
		return 0;
	if (targ_dist)
		HIST_ADD(i->slots, MAX_SLOTS, delta);
	else
		__sync_fetch_and_add(&i->count, delta);
	return 0;
}

SEC("tp_btf/irq_handler_entry")
int BPF_PROG(entry_btf, int irq, struct irqaction *action)
{
	return on_entry(action);
}

SEC("tp_btf/irq_handler_exit")
int BPF_PROG(exit_btf, int irq, struct irqaction *action)
{
	return on_exit(action);
}

SEC("raw_tp/irq_handler_entry")
int BPF_PROG(entry_raw, int irq, struct irqaction *action)
{
	return on_entry(action);
}

SEC("raw_tp/irq_handler_exit")
int BPF_PROG(exit_raw, int irq, struct irqaction *action)
{
	return on_exit(action);
}
