/* bpfkit: the system's <bpf/bpf_helpers.h>, then what newer libbpf releases added (bpfkit_compat.h). */
#include_next <bpf/bpf_helpers.h>
#include "../bpfkit_compat.h"
