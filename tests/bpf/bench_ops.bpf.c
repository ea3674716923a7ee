// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_ops.bpf.c: what single operations of the data plane's hot path cost
 * on this machine, for bench_datapath: XDP programs that each repeat one
 * operation DW_OPS times and pass. Measured against the pass-through program
 * in the same run, (ns - pass-through) / DW_OPS is the cost of one operation.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "dnsward.h"
#include "dw_siphash.h"
#include "lib/compiler.bpf.h"

#define DW_OPS 8

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct dw_verdict_key);
	__type(value, struct dw_verdict);
} ops_lru SEC(".maps");

/* Sinks results so the compiler keeps the operations. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ops_sink SEC(".maps");

static __always_inline int sink(__u64 v)
{
	__u32 zero = 0;
	__u64 *p = bpf_map_lookup_elem(&ops_sink, &zero);

	if (p)
		*p += v;
	return XDP_PASS;
}

SEC("xdp")
int op_ktime_boot(struct xdp_md *ctx)
{
	__u64 t = 0;
	int i;

	for (i = 0; i < DW_OPS; i++)
		t += bpf_ktime_get_boot_ns();
	return sink(t);
}

static long op_empty_cb(__u32 i, void *c)
{
	*(__u64 *)c += i;
	return 0;
}

SEC("xdp")
int op_loop_callback(struct xdp_md *ctx)
{
	__u64 c = 0;

	bpf_loop(DW_OPS, op_empty_cb, &c, 0);
	return sink(c);
}

SEC("xdp")
int op_lru_lookup(struct xdp_md *ctx)
{
	struct dw_verdict_key k = {};
	__u64 hits = 0;
	int i;

	for (i = 0; i < DW_OPS; i++) {
		k.qtype = 1; /* the key the bench inserts */
		dw_barrier();
		hits += bpf_map_lookup_elem(&ops_lru, &k) != 0;
	}
	return sink(hits);
}

SEC("xdp")
int op_sip_round(struct xdp_md *ctx)
{
	struct dw_sip s;
	__u64 seed = ctx->ingress_ifindex; /* unknown to the compiler */

	dw_sip_init(&s, seed, seed ^ 1, 1);
	dw_sip_rounds(&s, 4);
	dw_sip_rounds(&s, 4);
	return sink(s.v0 ^ s.v1 ^ s.v2 ^ s.v3);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
