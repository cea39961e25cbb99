/* net.bpf.h: what the TCP tools (tcpstates, tcplife, tcpconnect) share on the kernel side.
 *
 * All three read sock:inet_sock_set_state, which fires in the task that changes a socket's state
 * (connect(2) for SYN_SENT, the softirq or the closing task otherwise) and carries the socket's
 * ports in host order and its addresses in network order. Include after tools.bpf.h.
 */
#ifndef __BPFKIT_NET_BPF_H
#define __BPFKIT_NET_BPF_H

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6

/* The kernel's TCP states (include/net/tcp_states.h). */
enum {
	TCP_ESTABLISHED = 1,
	TCP_SYN_SENT,
	TCP_SYN_RECV,
	TCP_FIN_WAIT1,
	TCP_FIN_WAIT2,
	TCP_TIME_WAIT,
	TCP_CLOSE,
	TCP_CLOSE_WAIT,
	TCP_LAST_ACK,
	TCP_LISTEN,
	TCP_CLOSING,
	TCP_NEW_SYN_RECV,
};

struct trace_event_raw_inet_sock_set_state {
	struct trace_entry ent;
	const void *skaddr;
	int oldstate;
	int newstate;
	__u16 sport;
	__u16 dport;
	__u16 family;
	__u16 protocol;
	__u8 saddr[4];
	__u8 daddr[4];
	__u8 saddr_v6[16];
	__u8 daddr_v6[16];
} __attribute__((preserve_access_index));

/* Port filters are 0-terminated lists of this many entries, set by user space. */
#define MAX_PORTS 64

/* Whether the 0-terminated `list` holds `port`. */
static __always_inline bool port_listed(const volatile __u16 *list, __u16 port)
{
	for (int i = 0; i < MAX_PORTS; i++) {
		if (list[i] == 0)
			return false;
		if (list[i] == port)
			return true;
	}
	return false;
}

/* Whether `port` passes a filter list: an empty list lets every port through. */
static __always_inline bool port_allowed(const volatile __u16 *list, __u16 port)
{
	return list[0] == 0 || port_listed(list, port);
}

/* The tracepoint's local and remote addresses into 16-byte buffers: IPv4 in the first 4 bytes.
 * Events hold them as u32[4] (network-order bytes), which user space decodes as numbers. */
static __always_inline void read_addresses(struct trace_event_raw_inet_sock_set_state *ctx,
					   __u16 family, u32 *saddr, u32 *daddr)
{
	if (family == AF_INET) {
		bpf_probe_read_kernel(saddr, 4, &ctx->saddr);
		bpf_probe_read_kernel(daddr, 4, &ctx->daddr);
	} else {
		bpf_probe_read_kernel(saddr, 16, &ctx->saddr_v6);
		bpf_probe_read_kernel(daddr, 16, &ctx->daddr_v6);
	}
}

#endif /* __BPFKIT_NET_BPF_H */
