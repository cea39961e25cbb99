// SPDX-License-Identifier: GPL-2.0
/* biolatency: block I/O latency, from issue to the device (or, with targ_queued, from insertion
 * into the I/O scheduler) to completion, as log2 histograms in `hists`, keyed by disk and request
 * flags when asked (zero otherwise).
 *
 * block_rq_insert/issue/complete are read through tp_btf where the kernel allows it, else through
 * raw tracepoints; user space loads one set (insert only with targ_queued). The request is the
 * first argument (Linux 5.11 and later).
 */
#define TOOLS_NO_EVENTS
#define TOOLS_CGROUP_FILTER
#include "../include/tools.bpf.h"
#include "../include/hist.bpf.h"

#define MAX_SLOTS 27
#define MINORBITS 20

struct hist_key {
	u32 cmd_flags;
	u32 dev;
};

struct hist {
	u32 slots[MAX_SLOTS];
};

struct gendisk {
	int major;
	int first_minor;
} __attribute__((preserve_access_index));

struct request_queue {
	struct gendisk *disk;
	void *elevator;
} __attribute__((preserve_access_index));

struct request {
	struct request_queue *q;
	unsigned int cmd_flags;
} __attribute__((preserve_access_index));

/* Before Linux 5.17 the disk hung off the request. */
struct request___old {
	struct gendisk *rq_disk;
} __attribute__((preserve_access_index));

/* Time from insertion into the I/O scheduler, not from issue. */
const volatile bool targ_queued = false;
/* One histogram per disk / per set of request flags. */
const volatile bool targ_per_disk = false;
const volatile bool targ_per_flag = false;
/* Milliseconds instead of microseconds. */
const volatile bool targ_ms = false;
/* Only this disk (major << 20 | minor), with filter_dev. */
const volatile bool filter_dev = false;
const volatile u32 targ_dev = 0;

/* Request -> when it was inserted or issued (ns). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u64);
	__type(value, u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct hist_key);
	__type(value, struct hist);
} hists SEC(".maps");

static struct hist zero_hist;

static __always_inline u32 disk_of(struct request *rq)
{
	struct request___old *old = (void *)rq;
	struct gendisk *disk;

	if (bpf_core_field_exists(old->rq_disk))
		disk = BPF_CORE_READ(old, rq_disk);
	else
		disk = BPF_CORE_READ(rq, q, disk);
	if (!disk)
		return 0;
	return ((u32)BPF_CORE_READ(disk, major) << MINORBITS) | BPF_CORE_READ(disk, first_minor);
}

static __always_inline int started(struct request *rq, bool issue)
{
	u64 key = (u64)rq, now;

	if (!cgroup_allowed())
		return 0;
	/* With a scheduler the request was timed at insertion already. */
	if (issue && targ_queued && BPF_CORE_READ(rq, q, elevator))
		return 0;
	if (filter_dev && disk_of(rq) != targ_dev)
		return 0;
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &key, &now, BPF_ANY);
	return 0;
}

static __always_inline int completed(struct request *rq)
{
	u64 key = (u64)rq, *since, delta;
	struct hist_key hkey = {};
	struct hist *h;

	since = bpf_map_lookup_elem(&start, &key);
	if (!since)
		return 0;
	delta = bpf_ktime_get_ns() - *since;
	bpf_map_delete_elem(&start, &key);
	if ((__s64)delta < 0)
		return 0;
	if (targ_per_disk)
		hkey.dev = disk_of(rq);
	if (targ_per_flag)
		hkey.cmd_flags = BPF_CORE_READ(rq, cmd_flags);
	h = bpf_map_lookup_elem(&hists, &hkey);
	if (!h) {
		bpf_map_update_elem(&hists, &hkey, &zero_hist, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&hists, &hkey);
		if (!h)
			return 0;
	}
	delta /= targ_ms ? 1000000 : 1000;
	HIST_ADD(h->slots, MAX_SLOTS, delta);
	return 0;
}

SEC("tp_btf/block_rq_insert")
int BPF_PROG(insert_btf, struct request *rq)
{
	return started(rq, false);
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(issue_btf, struct request *rq)
{
	return started(rq, true);
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(complete_btf, struct request *rq)
{
	return completed(rq);
}

SEC("raw_tp/block_rq_insert")
int BPF_PROG(insert_raw, struct request *rq)
{
	return started(rq, false);
}

SEC("raw_tp/block_rq_issue")
int BPF_PROG(issue_raw, struct request *rq)
{
	return started(rq, true);
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(complete_raw, struct request *rq)
{
	return completed(rq);
}
