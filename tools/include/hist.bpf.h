/* hist.bpf.h: log2 histograms for the aggregator tools (runqlat, cpudist, biolatency, hardirqs,
 * softirqs). Slot i counts values v with floor(log2(v)) == i (0 and 1 both go to slot 0), the
 * last slot also takes every larger value: the layout libbpf-tools' print_log2_hist labels
 * 0 -> 1, 2 -> 3, 4 -> 7, … and user space prints (src/maps/histogram.ts).
 */
#ifndef __BPFKIT_HIST_BPF_H
#define __BPFKIT_HIST_BPF_H

/* floor(log2(v)) of a 64-bit value, 0 for 0. Branch-free halving keeps the verifier's path count low. */
static __always_inline __u32 log2_u64(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xffffffffULL) << 5;
	v >>= shift;
	r |= shift;
	shift = (v > 0xffff) << 4;
	v >>= shift;
	r |= shift;
	shift = (v > 0xff) << 3;
	v >>= shift;
	r |= shift;
	shift = (v > 0xf) << 2;
	v >>= shift;
	r |= shift;
	shift = (v > 0x3) << 1;
	v >>= shift;
	r |= shift;
	r |= (v >> 1);
	return r;
}

/* Adds one to the slot of `value` in `slots` (an array of `n` u32). */
#define HIST_ADD(slots, n, value)                                                                  \
	do {                                                                                       \
		__u32 __slot = log2_u64(value);                                                    \
		if (__slot >= (n))                                                                 \
			__slot = (n) - 1;                                                          \
		__sync_fetch_and_add(&(slots)[__slot], 1);                                         \
	} while (0)

#endif /* __BPFKIT_HIST_BPF_H */
