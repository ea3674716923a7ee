// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* dnsward.bpf.c: the data-plane entry points (XDP and tc) over one parsing core. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "dnsward.h"

/* Per-CPU counters, one slot per path (enum dw_counter). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DW_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_counters SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *c = bpf_map_lookup_elem(&dnsward_counters, &slot);

	if (c)
		*c += 1;
}

SEC("xdp")
int dnsward_xdp(struct xdp_md *ctx)
{
	count(DW_CNT_PACKETS);
	return XDP_PASS;
}

SEC("tc")
int dnsward_tc(struct __sk_buff *skb)
{
	count(DW_CNT_PACKETS);
	return 0; /* TC_ACT_OK */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
