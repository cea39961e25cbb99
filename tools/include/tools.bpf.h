/* tools.bpf.h: what the built-in tools (tools/<name>/<name>.bpf.c) share.
 *
 * The tools do not include a vmlinux.h generated from the build machine's kernel: they declare the
 * few kernel types they touch here, with preserve_access_index so libbpf relocates every field
 * access against the running kernel's BTF (CO-RE). A package therefore depends on nothing but this
 * source tree and clang, which is what makes a rebuild byte-identical on any machine.
 *
 * Events go to user space through one ring buffer, `events`, sent with bpf_ringbuf_output() from
 * a per-CPU scratch record so that variable-length tails (paths, argument lists) take only the
 * bytes they need. A record that does not fit is counted in `lost_events`, which the runner reads
 * and reports. Aggregator tools, which only fill maps, define TOOLS_NO_EVENTS to have neither.
 */
#ifndef __BPFKIT_TOOLS_BPF_H
#define __BPFKIT_TOOLS_BPF_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "bpfkit.h"

#define TASK_COMM_LEN 16

typedef __u32 u32;
typedef __u64 u64;
typedef int pid_t;
typedef unsigned int uid_t;

/* Kernel types, only the members the tools read (CO-RE finds their real offsets). */
struct trace_entry {
	unsigned short type;
	unsigned char flags;
	unsigned char preempt_count;
	int pid;
} __attribute__((preserve_access_index));

struct trace_event_raw_sys_enter {
	struct trace_entry ent;
	long id;
	unsigned long args[6];
} __attribute__((preserve_access_index));

struct trace_event_raw_sys_exit {
	struct trace_entry ent;
	long id;
	long ret;
} __attribute__((preserve_access_index));

struct task_struct {
	pid_t pid;
	pid_t tgid;
	struct task_struct *real_parent;
	u64 start_time;
	int exit_code;
	char comm[TASK_COMM_LEN];
} __attribute__((preserve_access_index));

struct kernel_siginfo;

#ifndef TOOLS_NO_EVENTS
/* Records the ring buffer had no room for. */
__u64 lost_events = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

/* Non-zero while the runner drains the ring on its timer (it writes entry 0 as it switches): records
 * below half a ring then wake nobody, since the next tick reads them anyway. While it waits for
 * wake-ups instead, the kernel's own policy applies (a wake-up for the first record it has not seen). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u32);
} drain_on_timer SEC(".maps");

static __always_inline __u64 event_wakeup(void)
{
	u32 zero = 0;
	u32 *on_timer;

	if (bpfkit_ringbuf_wakeup(&events))
		return BPF_RB_FORCE_WAKEUP;
	on_timer = bpf_map_lookup_elem(&drain_on_timer, &zero);
	return on_timer && *on_timer ? BPF_RB_NO_WAKEUP : 0;
}

/* Sends `size` bytes of `data` (a map value) to user space, counting a full ring as a loss. Past
 * half full it forces a wake-up (bpfkit.h), so a reader draining on a timer hears of it in time.
 * The runner sizes the ring at load time (256 KiB per CPU, at least 4 MiB, or --buffer-size). */
static __always_inline void send_event(void *data, __u64 size)
{
	if (bpf_ringbuf_output(&events, data, size, event_wakeup()))
		__sync_fetch_and_add(&lost_events, 1);
}
#endif /* TOOLS_NO_EVENTS */

/* A per-CPU scratch area of `size` bytes for building one variable-length record. */
#define SCRATCH_MAP(name, size)                                                                    \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                                           \
		__uint(max_entries, 1);                                                            \
		__type(key, u32);                                                                  \
		__type(value, char[size]);                                                         \
	} name SEC(".maps")

/* The process id (the kernel's tgid) and thread id (the kernel's pid) of the current task. */
static __always_inline u32 current_pid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

static __always_inline u32 current_tid(void)
{
	return (u32)bpf_get_current_pid_tgid();
}

#ifdef TOOLS_CGROUP_FILTER
/* -c/--cgroup: user space puts the cgroup directory's fd at key 0 and sets filter_cg. */
const volatile bool filter_cg = false;

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u32);
} cgroup_map SEC(".maps");

static __always_inline bool cgroup_allowed(void)
{
	return !filter_cg || bpf_current_task_under_cgroup(&cgroup_map, 0) == 1;
}
#endif

char LICENSE[] SEC("license") = "GPL";

#endif /* __BPFKIT_TOOLS_BPF_H */
