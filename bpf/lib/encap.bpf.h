/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * encap.bpf.h: one level of VXLAN (RFC 7348) or Geneve (RFC 8926) opened,
 * so that a DNS packet inside is judged like one on the wire. UDP to a port
 * the policy names as a tunnel port (dnsward_ports) carries an 8-byte header
 * (Geneve: plus its options), then an Ethernet frame (Geneve may carry IPv4
 * or IPv6 directly); the inner packet's offsets replace the outer ones in
 * struct dw_hdrs and h->encap is set. Only inner UDP is looked into: DNS
 * over TCP inside a tunnel is not followed (docs/design.md, "What dnsward
 * does not see"). Part of parse.bpf.h, which includes it.
 */
#ifndef DW_ENCAP_BPF_H
#define DW_ENCAP_BPF_H

#include "lib/parse.bpf.h"

#define DW_TUN_HDR_LEN	   8	  /* VXLAN header; Geneve's fixed part */
#define DW_ETH_P_TEB	   0x6558 /* Geneve: an Ethernet frame follows */
#define DW_TUN_INNER_MAX   400	  /* an inner frame must start within this many bytes */
#define DW_TUN_NO_FRAG_LIM 0xffff /* lengths of a first outer fragment's inner packet */

/*
 * The outer UDP header at h->l4_off: where the inner frame starts and what it
 * is (DW_ETH_P_TEB for Ethernet, else an EtherType of IP). DW_P_REPLY when
 * the datagram goes to a tunnel port, DW_P_NOT_DNS when it does not (or its
 * tunnel header is one the kernel refuses too), DW_P_SHORT or DW_P_MALFORMED.
 */
static __always_inline int dw_tunnel_inner(void *data, void *data_end, struct dw_hdrs *h,
					   __u32 *inner_off, __u16 *inner_type)
{
	__u32 off = h->l4_off;
	struct udphdr *udp;
	__u8 *th, kind;

	if (off > DW_HDR_MAX)
		return DW_P_NOT_DNS;
	udp = data + (off & 0x3ff);
	if ((void *)(udp + 1) > data_end)
		return DW_P_NOT_DNS; /* the reply parse read it already */
	kind = dw_port_kind(bpf_ntohs(udp->dest)) & DW_PORT_TUNNEL;
	if (!kind)
		return DW_P_NOT_DNS;
	off += sizeof(*udp);
	if (off + DW_TUN_HDR_LEN > h->l3_end)
		return DW_P_NOT_DNS; /* no room for the tunnel header: the kernel drops it */
	th = data + (off & 0x3ff);
	if ((void *)(th + DW_TUN_HDR_LEN) > data_end)
		return dw_short(off + DW_TUN_HDR_LEN, h->l3_end);
	*inner_type = DW_ETH_P_TEB;
	if (kind & DW_PORT_GENEVE) {
		if (th[0] >> 6)
			return DW_P_NOT_DNS; /* a version the kernel does not accept */
		*inner_type = ((__u16)th[2] << 8) | th[3];
		if (*inner_type != DW_ETH_P_TEB && *inner_type != DW_ETH_P_IP &&
		    *inner_type != DW_ETH_P_IPV6)
			return DW_P_NOT_DNS;
		off += (th[0] & 0x3f) * 4; /* options */
	}
	off += DW_TUN_HDR_LEN;
	if (off > DW_TUN_INNER_MAX)
		return DW_P_MALFORMED; /* could carry DNS we cannot reach: fail closed */
	*inner_off = off;
	return DW_P_REPLY;
}

/*
 * The inner frame's L3 header: the Ethernet frame's, or (Geneve) the IP
 * header at off. lim bounds the lengths the inner headers may claim.
 */
static __always_inline int dw_inner_l3(void *data, void *data_end, __u32 lim, __u32 off, __u16 type,
				       struct dw_hdrs *h, int *proto)
{
	if (type == DW_ETH_P_TEB)
		return dw_parse_l3(data, data_end, lim, off, h, proto);
	h->l3_off = off;
	if (type == DW_ETH_P_IP)
		return dw_parse_ip4(data, data_end, lim, h, proto);
	return dw_parse_ip6(data, data_end, lim, h, proto);
}

/*
 * The reply parse after the outer UDP header was found to be no DNS reply:
 * the inner packet of a tunnel datagram, parsed as a reply. An outer first
 * fragment opens too (its inner packet is then a first fragment: the inner
 * lengths cannot be checked and the DNS message must carry its question);
 * later outer fragments have no UDP header and pass like any.
 */
static __always_inline int dw_parse_tunneled(void *data, void *data_end, __u16 port,
					     struct dw_hdrs *h)
{
	__u32 inner, outer_end = h->l3_end, lim;
	__u8 outer_frag = h->frag;
	__u16 type = 0;
	int proto = -1, rc;

	rc = dw_tunnel_inner(data, data_end, h, &inner, &type);
	if (rc != DW_P_REPLY)
		return rc;
	lim = outer_frag ? DW_TUN_NO_FRAG_LIM : outer_end;
	h->encap = 1;
	rc = dw_inner_l3(data, data_end, lim, inner, type, h, &proto);
	if (rc != DW_P_REPLY)
		return rc;
	h->frag |= outer_frag;
	if (h->l3_end > outer_end)
		h->l3_end = outer_end;
	if (proto != DW_IPPROTO_UDP)
		return DW_P_NOT_DNS;
	return dw_parse_l4(data, data_end, lim, port, DW_IPPROTO_UDP, h);
}

/*
 * The tunnel step as one global function per hook type: the verifier checks
 * it once, on its own, instead of once for every way the outer parse reaches
 * it, and the judgement after it sees one state. h is the caller's parse,
 * replaced by the inner packet's when there is one.
 */
#define DW_TUNNEL_FN(name, ctx_type)                                                               \
	__noinline int name(ctx_type *ctx, struct dw_hdrs *h, __u32 port)                          \
	{                                                                                          \
		if (!ctx || !h)                                                                    \
			return DW_P_NOT_DNS;                                                       \
		return dw_parse_tunneled((void *)(long)ctx->data, (void *)(long)ctx->data_end,     \
					 port, h);                                                 \
	}

DW_TUNNEL_FN(dw_tunnel_xdp, struct xdp_md)
DW_TUNNEL_FN(dw_tunnel_tc, struct __sk_buff)

/*
 * The query hook's tunnel step (a global function: verified once, and the
 * query path after it sees one state): UDP to a tunnel port, not a
 * fragment, is replaced in h by its inner packet, so that a workload's
 * query leaving through a tunnel is remembered like any (its reply comes
 * back the same way). Returns DW_P_QUERY with h at a UDP header (the outer
 * one when the datagram is no tunnel's), else DW_P_NOT_DNS.
 */
__noinline int dw_query_tunnel(struct __sk_buff *skb, struct dw_hdrs *h)
{
	void *data, *data_end;
	__u16 type = 0;
	__u32 inner;
	int proto = -1, rc;

	if (!skb || !h)
		return DW_P_NOT_DNS;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	rc = dw_tunnel_inner(data, data_end, h, &inner, &type);
	if (rc == DW_P_NOT_DNS)
		return DW_P_QUERY; /* no tunnel: the outer datagram as it is */
	if (rc != DW_P_REPLY)
		return DW_P_NOT_DNS;
	h->encap = 1;
	rc = dw_inner_l3(data, data_end, h->l3_end, inner, type, h, &proto);
	if (rc != DW_P_REPLY || proto != DW_IPPROTO_UDP || h->frag)
		return DW_P_NOT_DNS;
	return DW_P_QUERY;
}

#endif /* DW_ENCAP_BPF_H */
