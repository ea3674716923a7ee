// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * dnsward.bpf.c: the data-plane entry points over one parsing and decision
 * core (bpf/lib/core.bpf.h). dnsward_xdp runs on uplink ingress; dnsward_tc
 * on clsact ingress or egress (pod-facing veths). Both return pass or drop;
 * tc also clears the release mark of a packet it passes once.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "lib/core.bpf.h"
#include "lib/query.bpf.h"
#include "lib/encdns.bpf.h"

#define DW_TC_ACT_OK   0
#define DW_TC_ACT_SHOT 2

SEC("xdp")
int dnsward_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct dw_hook_info hi = {.hook = DW_HOOK_XDP};

	/* Frames released with live-frame BPF_PROG_RUN never come back through XDP. */
	if (dw_core(ctx, 1, data, data_end, data_end - data, &hi) == DW_ACT_DROP)
		return XDP_DROP;
	return XDP_PASS;
}

SEC("tc")
int dnsward_tc(struct __sk_buff *skb)
{
	struct dw_hook_info hi = {.mark = skb->mark};
	void *data, *data_end;
	int act;

	/* Headers may lie outside the linear area; pull them in before parsing. */
	if (skb->data_end - skb->data < skb->len && skb->data_end - skb->data < DW_PULL_LEN)
		bpf_skb_pull_data(skb, skb->len < DW_PULL_LEN ? skb->len : DW_PULL_LEN);
	dw_barrier(); /* both ways re-read the pointers: one verifier state */
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;

	hi.hook = dw_tc_hook(skb);
	act = dw_core(skb, 0, data, data_end, skb->len, &hi);
	if (act == DW_ACT_RELEASE) {
		skb->mark = 0; /* exactly once: a later hook sees an ordinary packet */
		return DW_TC_ACT_OK;
	}
	return act == DW_ACT_DROP ? DW_TC_ACT_SHOT : DW_TC_ACT_OK;
}

/*
 * The query hook: where a workload's queries flow (tc egress of an XDP
 * uplink, tc ingress of a pod veth whose replies are judged at egress). It
 * tells the daemon which protected question is coming; a DNS query always
 * passes unchanged. Only encrypted DNS to a resolver the policy does not
 * allow is dropped here (encdns.bpf.h).
 */
SEC("tc")
int dnsward_tc_query(struct __sk_buff *skb)
{
	if (dw_encdns(skb) == DW_ACT_DROP)
		return DW_TC_ACT_SHOT;
	dw_query(skb);
	dw_tcp_syn_note(skb);
	return DW_TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
