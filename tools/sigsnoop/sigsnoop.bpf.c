// SPDX-License-Identifier: GPL-2.0
/* sigsnoop: signals as the kernel generates them, or (kill_only) as kill(2), tkill(2) and
 * tgkill(2) send them, with sender, target and outcome.
 *
 * signal_generate is read through tp_btf where the kernel allows it, else through the raw
 * tracepoint; either gives the target task, hence its command name. The syscall path keeps the
 * arguments per thread from entry to exit, where the return value is known.
 */
#include "../include/tools.bpf.h"

enum sig_source { SIGNAL_GENERATE, KILL, TKILL, TGKILL };

struct sig_event {
	/* Sender: process and thread. */
	u32 pid;
	u32 tid;
	/* Target thread (kill(2): the pid argument). */
	int tpid;
	int sig;
	/* signal_generate: the delivery result (0 delivered, 1 ignored, 2 already pending, 3 queue
	 * full, 4 lost info); syscalls: the return value. */
	int ret;
	enum sig_source source;
	char comm[TASK_COMM_LEN];
	/* Target's command name (signal_generate only). */
	char tcomm[TASK_COMM_LEN];
};

BPFKIT_EVENT(struct sig_event);

/* Sending process (tgid) to trace, 0 for all. */
const volatile pid_t filtered_pid = 0;
/* Bit sig - 1 set for each signal to trace; 0 for all. */
const volatile __u64 target_signals = 0;
/* Only signals not delivered (signal_generate) or failed calls (syscalls). */
const volatile bool failed_only = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, u32);
	__type(value, struct sig_event);
} values SEC(".maps");

SCRATCH_MAP(heap, sizeof(struct sig_event));

static __always_inline bool wanted(u32 pid, int sig)
{
	if (filtered_pid && filtered_pid != pid)
		return false;
	if (target_signals && (sig < 1 || sig > 64 || !(target_signals & (1ULL << (sig - 1)))))
		return false;
	return true;
}

static __always_inline int generated(int sig, struct task_struct *task, int result)
{
	u32 zero = 0, pid = current_pid();
	struct sig_event *e;

	if (!wanted(pid, sig) || (failed_only && result == 0))
		return 0;
	e = bpf_map_lookup_elem(&heap, &zero);
	if (!e)
		return 0;
	e->pid = pid;
	e->tid = current_tid();
	e->tpid = BPF_CORE_READ(task, pid);
	e->sig = sig;
	e->ret = result;
	e->source = SIGNAL_GENERATE;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	BPF_CORE_READ_STR_INTO(&e->tcomm, task, comm);
	send_event(e, sizeof(*e));
	return 0;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(generate_btf, int sig, struct kernel_siginfo *info, struct task_struct *task, int group,
	     int result)
{
	return generated(sig, task, result);
}

SEC("raw_tp/signal_generate")
int BPF_PROG(generate_raw, int sig, struct kernel_siginfo *info, struct task_struct *task, int group,
	     int result)
{
	return generated(sig, task, result);
}

static __always_inline int sent(int tpid, int sig, enum sig_source source)
{
	u32 pid = current_pid(), tid = current_tid();
	struct sig_event e = {};

	if (!wanted(pid, sig))
		return 0;
	e.pid = pid;
	e.tid = tid;
	e.tpid = tpid;
	e.sig = sig;
	e.source = source;
	bpf_get_current_comm(e.comm, sizeof(e.comm));
	bpf_map_update_elem(&values, &tid, &e, BPF_ANY);
	return 0;
}

static __always_inline int returned(long ret)
{
	u32 tid = current_tid();
	struct sig_event *e = bpf_map_lookup_elem(&values, &tid);

	if (!e)
		return 0;
	if (!failed_only || ret < 0) {
		e->ret = ret;
		send_event(e, sizeof(*e));
	}
	bpf_map_delete_elem(&values, &tid);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_kill")
int enter_kill(struct trace_event_raw_sys_enter *ctx)
{
	return sent((int)ctx->args[0], (int)ctx->args[1], KILL);
}

SEC("tracepoint/syscalls/sys_exit_kill")
int exit_kill(struct trace_event_raw_sys_exit *ctx)
{
	return returned(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_tkill")
int enter_tkill(struct trace_event_raw_sys_enter *ctx)
{
	return sent((int)ctx->args[0], (int)ctx->args[1], TKILL);
}

SEC("tracepoint/syscalls/sys_exit_tkill")
int exit_tkill(struct trace_event_raw_sys_exit *ctx)
{
	return returned(ctx->ret);
}

SEC("tracepoint/syscalls/sys_enter_tgkill")
int enter_tgkill(struct trace_event_raw_sys_enter *ctx)
{
	return sent((int)ctx->args[1], (int)ctx->args[2], TGKILL);
}

SEC("tracepoint/syscalls/sys_exit_tgkill")
int exit_tgkill(struct trace_event_raw_sys_exit *ctx)
{
	return returned(ctx->ret);
}
