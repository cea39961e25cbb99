// SPDX-License-Identifier: GPL-2.0
/* tcpconnect: active TCP connections (connect(2) and the like), IPv4 and IPv6.
 *
 * A socket moves from CLOSE to SYN_SENT inside tcp_v4_connect()/tcp_v6_connect(), in the
 * connecting task, once the destination is set and just before the SYN is built. Its source port
 * is chosen right after that change, so when the port is wanted (source_port) the record waits for
 * the socket's next change (ESTABLISHED, or CLOSE when refused or timed out) and is dropped when the
 * port is still 0 (connect failed before it took one).
 */
#include "../include/tools.bpf.h"
#include "../include/net.bpf.h"

struct tcpconnect_event {
	/* Source and destination address, network-order bytes; IPv4 in the first 4. */
	u32 saddr[4];
	u32 daddr[4];
	/* Monotonic µs of the connect. */
	u64 ts_us;
	u32 pid;
	u32 uid;
	__u16 family;
	/* Source port (0 unless source_port), destination port; host order. */
	__u16 sport;
	__u16 dport;
	char comm[TASK_COMM_LEN];
};

BPFKIT_EVENT(struct tcpconnect_event);

/* Process to trace, 0 for all; user to trace, (uid_t)-1 for all. */
const volatile pid_t target_pid = 0;
const volatile uid_t target_uid = (uid_t)-1;
/* Destination ports to trace (0-terminated; empty: all). */
const volatile __u16 target_dports[MAX_PORTS] = {};
/* Report the source port (records wait for the socket's next state change). */
const volatile bool source_port = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, u64);
	__type(value, struct tcpconnect_event);
} pending SEC(".maps");

static __always_inline int syn_sent(struct trace_event_raw_inet_sock_set_state *ctx, u64 sk)
{
	struct tcpconnect_event e;
	u32 uid = (u32)bpf_get_current_uid_gid();

	if (target_pid && current_pid() != target_pid)
		return 0;
	if (target_uid != (uid_t)-1 && uid != target_uid)
		return 0;
	if (!port_allowed(target_dports, ctx->dport))
		return 0;
	__builtin_memset(&e, 0, sizeof(e));
	e.ts_us = bpf_ktime_get_ns() / 1000;
	e.pid = current_pid();
	e.uid = uid;
	e.family = ctx->family;
	e.dport = ctx->dport;
	read_addresses(ctx, e.family, e.saddr, e.daddr);
	bpf_get_current_comm(&e.comm, sizeof(e.comm));
	if (source_port)
		bpf_map_update_elem(&pending, &sk, &e, BPF_ANY);
	else
		send_event(&e, sizeof(e));
	return 0;
}

SEC("tracepoint/sock/inet_sock_set_state")
int handle_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	u64 sk = (u64)ctx->skaddr;
	struct tcpconnect_event *e;

	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	if (ctx->newstate == TCP_SYN_SENT)
		return syn_sent(ctx, sk);
	if (!source_port || ctx->oldstate != TCP_SYN_SENT)
		return 0;
	e = bpf_map_lookup_elem(&pending, &sk);
	if (!e)
		return 0;
	e->sport = ctx->sport;
	if (e->sport)
		send_event(e, sizeof(*e));
	bpf_map_delete_elem(&pending, &sk);
	return 0;
}
