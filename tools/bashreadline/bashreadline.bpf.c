// SPDX-License-Identifier: GPL-2.0
/* bashreadline: every line bash reads interactively, from the return of readline().
 *
 * The uretprobe's target (bash itself, or the libreadline it is linked with) is given by user
 * space at attach time: the section names none. readline() returns a malloc'ed line in the
 * caller's memory, read here while the task is still in the probe.
 */
#include <asm/ptrace.h> /* struct pt_regs, for PT_REGS_RC */
#include "../include/tools.bpf.h"

#define MAX_LINE_SIZE 80

struct readline_event {
	u32 pid;
	char str[MAX_LINE_SIZE];
};

BPFKIT_EVENT(struct readline_event);

SCRATCH_MAP(heap, sizeof(struct readline_event));

/* Only tasks called exactly "bash": other programs may share libreadline. */
static __always_inline bool is_bash(void)
{
	char comm[TASK_COMM_LEN];

	bpf_get_current_comm(&comm, sizeof(comm));
	return comm[0] == 'b' && comm[1] == 'a' && comm[2] == 's' && comm[3] == 'h' && comm[4] == 0;
}

SEC("uretprobe")
int BPF_URETPROBE(readline_return, const void *line)
{
	struct readline_event *e;
	u32 zero = 0;

	if (!line || !is_bash())
		return 0;
	e = bpf_map_lookup_elem(&heap, &zero);
	if (!e)
		return 0;
	e->pid = current_pid();
	bpf_probe_read_user_str(e->str, sizeof(e->str), line);
	send_event(e, sizeof(*e));
	return 0;
}
