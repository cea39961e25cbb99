// SPDX-License-Identifier: GPL-2.0
/* tcpstates: every state change of a TCP socket, with the time the socket spent in the state it
 * leaves.
 *
 * The time of each socket's last change is kept by socket address until the socket reaches CLOSE;
 * a socket first seen mid-life reports 0 for the state it leaves.
 */
#include "../include/tools.bpf.h"
#include "../include/net.bpf.h"

struct tcpstates_event {
	/* Local and remote address, network-order bytes; IPv4 in the first 4. */
	u32 saddr[4];
	u32 daddr[4];
	/* The kernel's struct sock address: one socket's changes share it. */
	u64 skaddr;
	/* Monotonic µs of this change, and µs since the socket's previous one (0: first seen). */
	u64 ts_us;
	u64 delta_us;
	u32 pid;
	int oldstate;
	int newstate;
	__u16 family;
	__u16 sport;
	__u16 dport;
	char comm[TASK_COMM_LEN];
};

BPFKIT_EVENT(struct tcpstates_event);

/* AF_INET or AF_INET6 only, 0 for both. */
const volatile __u16 target_family = 0;
/* Local and remote ports to trace (0-terminated; empty: all). */
const volatile __u16 target_sports[MAX_PORTS] = {};
const volatile __u16 target_dports[MAX_PORTS] = {};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u64);
	__type(value, u64);
} last_change SEC(".maps");

SEC("tracepoint/sock/inet_sock_set_state")
int handle_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	struct tcpstates_event e;
	u64 sk, now, *prev;
	__u16 family;

	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	family = ctx->family;
	if (target_family && family != target_family)
		return 0;
	if (!port_allowed(target_sports, ctx->sport) || !port_allowed(target_dports, ctx->dport))
		return 0;
	__builtin_memset(&e, 0, sizeof(e));
	sk = (u64)ctx->skaddr;
	now = bpf_ktime_get_ns();
	prev = bpf_map_lookup_elem(&last_change, &sk);
	e.skaddr = sk;
	e.ts_us = now / 1000;
	e.delta_us = prev ? (now - *prev) / 1000 : 0;
	e.pid = current_pid();
	e.oldstate = ctx->oldstate;
	e.newstate = ctx->newstate;
	e.family = family;
	e.sport = ctx->sport;
	e.dport = ctx->dport;
	read_addresses(ctx, family, e.saddr, e.daddr);
	bpf_get_current_comm(&e.comm, sizeof(e.comm));
	send_event(&e, sizeof(e));
	if (e.newstate == TCP_CLOSE)
		bpf_map_delete_elem(&last_change, &sk);
	else
		bpf_map_update_elem(&last_change, &sk, &now, BPF_ANY);
	return 0;
}
