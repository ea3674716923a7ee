/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * encdns.bpf.h: workloads' encrypted DNS, on the query hook. DNS over TLS
 * (TCP 853), DNS over QUIC (UDP 853) and DNS over HTTPS to an address the
 * policy lists as a DoH server (TCP or UDP 443) bypass every reply check:
 * the hook cannot read them. The policy's encrypted_dns names the resolvers
 * such traffic may go to; to any other the packet is dropped (action drop)
 * or only counted (action report): every such packet in the global
 * counters, and per workload (its source address, an LRU) each TCP SYN or
 * UDP datagram.
 */
#ifndef DW_ENCDNS_BPF_H
#define DW_ENCDNS_BPF_H

#include "lib/verdict.bpf.h"

/* The destination address of the IP packet parsed into h, as an allowlist key. */
static __always_inline int dw_encdns_addr(struct __sk_buff *skb, const struct dw_hdrs *h,
					  __u32 addr_off, struct dw_addr_key *k)
{
	k->family = h->l3 == 4 ? 2 : 10;
	return bpf_skb_load_bytes(skb, h->l3_off + addr_off, k->addr, h->l3 == 4 ? 4 : 16);
}

/* One more refused or reported attempt from the workload at the packet's source. */
static __always_inline void dw_encdns_count(struct __sk_buff *skb, const struct dw_hdrs *h)
{
	struct dw_addr_key k = {};
	__u64 one = 1, *n;

	if (dw_encdns_addr(skb, h, h->l3 == 4 ? 12 : 8, &k))
		return;
	n = bpf_map_lookup_elem(&dnsward_encdns_clients, &k);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&dnsward_encdns_clients, &k, &one, BPF_NOEXIST);
}

/* Whether the packet is encrypted DNS to an address the policy does not allow. */
static __always_inline int dw_encdns_refused(struct __sk_buff *skb, const struct dw_hdrs *h,
					     __u16 dport)
{
	struct dw_addr_key k = {};
	__u8 *v;

	if (dport != DW_ENCDNS_DOT_PORT && dport != DW_ENCDNS_DOH_PORT)
		return 0;
	if (dw_encdns_addr(skb, h, h->l3 == 4 ? 16 : 24, &k))
		return 0;
	v = bpf_map_lookup_elem(&dnsward_encdns_addrs, &k);
	if (v && (*v & DW_ENCDNS_ALLOW))
		return 0;
	return dport == DW_ENCDNS_DOT_PORT || (v && (*v & DW_ENCDNS_DOH));
}

/*
 * DW_ACT_DROP when the query hook must drop the packet, else DW_ACT_PASS. A
 * global function: verified once on its own, so the query parse after it
 * is not verified again for every way this one ends.
 */
__noinline int dw_encdns(struct __sk_buff *skb)
{
	struct dw_datapath_cfg *cfg;
	struct dw_hdrs h = {};
	__u8 ports[4], tcp_flags = 0;
	__u32 zero = 0;
	int proto = -1, rc;

	cfg = bpf_map_lookup_elem(&dnsward_config, &zero);
	if (!skb || !cfg || !(cfg->enabled & DW_CFG_ENCDNS))
		return DW_ACT_PASS;
	rc = dw_parse_l3_skb(skb, &h, &proto);
	/* Later fragments pass: without the first, nothing is reassembled. */
	if (rc != DW_P_REPLY || (proto != DW_IPPROTO_TCP && proto != DW_IPPROTO_UDP))
		return DW_ACT_PASS;
	if (bpf_skb_load_bytes(skb, h.l4_off, ports, 4) ||
	    !dw_encdns_refused(skb, &h, ((__u16)ports[2] << 8) | ports[3]))
		return DW_ACT_PASS;
	if (proto == DW_IPPROTO_TCP)
		bpf_skb_load_bytes(skb, h.l4_off + 13, &tcp_flags, 1);
	/* Per workload, a connection attempt or a datagram counts (not every segment). */
	if (proto == DW_IPPROTO_UDP || (tcp_flags & 0x12) == 0x02)
		dw_encdns_count(skb, &h);
	if (cfg->enabled & DW_CFG_ENCDNS_DROP)
		return dw_drop(DW_CNT_ENCDNS_DROPPED);
	return dw_pass(DW_CNT_ENCDNS_REPORTED);
}

#endif /* DW_ENCDNS_BPF_H */
