/* bpfkit: the system's <bpf/bpf_tracing.h>, then what newer libbpf releases added (bpfkit_compat.h). */
#include_next <bpf/bpf_tracing.h>
#include "../bpfkit_compat.h"
