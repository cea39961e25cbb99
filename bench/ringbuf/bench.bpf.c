// Ring-buffer benchmark program: every getppid() of the producer becomes one 32-byte event in a
// 4 MiB ring buffer; counters in .bss tell the consumer how many were produced and dropped.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "bpfkit.h"

struct event {
  __u64 ts;
  __u64 seq;
  __u32 pid;
  __u32 tid;
  __u64 arg;
};

// Puts struct event into the object's BTF, for the consumers decoding through it.
BPFKIT_EVENT(struct event);

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4 << 20);
} events SEC(".maps");

// Set before load. wakeup_every = K > 0 selects sampled notification: every Kth event forces a
// wake-up and the others are submitted with BPF_RB_NO_WAKEUP (the kernel selftests' "sampled" mode).
const volatile struct {
  __u32 target_tgid;
  __u32 wakeup_every;
} cfg = {0, 0};

struct {
  __u64 produced;
  __u64 dropped;
} counters;

SEC("tracepoint/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
  __u64 id = bpf_get_current_pid_tgid();
  if ((id >> 32) != cfg.target_tgid)
    return 0;
  __u64 seq = __sync_fetch_and_add(&counters.produced, 1);
  struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) {
    __sync_fetch_and_add(&counters.dropped, 1);
    return 0;
  }
  e->ts = bpf_ktime_get_ns();
  e->seq = seq;
  e->pid = id >> 32;
  e->tid = (__u32)id;
  e->arg = seq * 3;
  __u32 k = cfg.wakeup_every;
  __u64 flags = 0;
  if (k)
    flags = seq % k == k - 1 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
  bpf_ringbuf_submit(e, flags);
  return 0;
}

char LICENSE[] SEC("license") = "GPL";
