// SPDX-License-Identifier: GPL-2.0
/* tcplife: one record per TCP session when its socket closes, with its lifespan and the bytes it
 * moved each way.
 *
 * A socket's first change into SYN_SENT, SYN_RECV or ESTABLISHED starts its life; the task that
 * connects (SYN_SENT) or closes passively (LAST_ACK) is the one the session is shown under, since
 * at CLOSE the current task is often a softirq's. Byte counts come from struct tcp_sock.
 */
#include "../include/tools.bpf.h"
#include "../include/net.bpf.h"

struct tcp_sock {
	u64 bytes_received;
	u64 bytes_acked;
} __attribute__((preserve_access_index));

struct tcplife_event {
	/* Local and remote address, network-order bytes; IPv4 in the first 4. */
	u32 saddr[4];
	u32 daddr[4];
	/* Monotonic µs of the close, and µs from the socket's first change to it. */
	u64 ts_us;
	u64 span_us;
	/* Bytes received, and bytes sent and acknowledged by the peer. */
	u64 rx_b;
	u64 tx_b;
	u32 pid;
	__u16 sport;
	__u16 dport;
	__u16 family;
	char comm[TASK_COMM_LEN];
};

BPFKIT_EVENT(struct tcplife_event);

struct ident {
	u32 pid;
	char comm[TASK_COMM_LEN];
};

/* Process to trace, 0 for all. */
const volatile pid_t target_pid = 0;
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
} birth SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u64);
	__type(value, struct ident);
} idents SEC(".maps");

static __always_inline void emit(struct trace_event_raw_inet_sock_set_state *ctx, u64 sk, u64 start,
				 __u16 family)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	struct tcplife_event e;
	struct ident *id;
	u64 now = bpf_ktime_get_ns();

	__builtin_memset(&e, 0, sizeof(e));
	id = bpf_map_lookup_elem(&idents, &sk);
	e.pid = id ? id->pid : current_pid();
	if (target_pid && e.pid != target_pid)
		return;
	if (id)
		__builtin_memcpy(e.comm, id->comm, sizeof(e.comm));
	else
		bpf_get_current_comm(&e.comm, sizeof(e.comm));
	e.ts_us = now / 1000;
	e.span_us = (now - start) / 1000;
	e.rx_b = BPF_CORE_READ(tp, bytes_received);
	e.tx_b = BPF_CORE_READ(tp, bytes_acked);
	e.family = family;
	e.sport = ctx->sport;
	e.dport = ctx->dport;
	read_addresses(ctx, family, e.saddr, e.daddr);
	send_event(&e, sizeof(e));
}

SEC("tracepoint/sock/inet_sock_set_state")
int handle_set_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	int state = ctx->newstate;
	__u16 family = ctx->family;
	u64 sk = (u64)ctx->skaddr, now, *start;

	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	if (target_family && family != target_family)
		return 0;
	if (!port_allowed(target_sports, ctx->sport) || !port_allowed(target_dports, ctx->dport))
		return 0;
	if (state < TCP_FIN_WAIT1) {
		now = bpf_ktime_get_ns();
		bpf_map_update_elem(&birth, &sk, &now, BPF_NOEXIST);
	}
	if (state == TCP_SYN_SENT || state == TCP_LAST_ACK) {
		struct ident id = { .pid = current_pid() };

		bpf_get_current_comm(&id.comm, sizeof(id.comm));
		bpf_map_update_elem(&idents, &sk, &id, BPF_ANY);
	}
	if (state != TCP_CLOSE)
		return 0;
	start = bpf_map_lookup_elem(&birth, &sk);
	if (start)
		emit(ctx, sk, *start, family);
	bpf_map_delete_elem(&birth, &sk);
	bpf_map_delete_elem(&idents, &sk);
	return 0;
}
