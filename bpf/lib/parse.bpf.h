/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * parse.bpf.h: header parsing over direct packet access (XDP and tc alike):
 * Ethernet with 0-2 VLAN tags, IPv4 with options, IPv6 with hop-by-hop,
 * routing, fragment, destination-options and AH headers, then UDP or TCP
 * from a DNS port, or UDP to a VXLAN or Geneve port carrying such a frame
 * (one level, lib/encap.bpf.h). Every read is bounds-checked against
 * data_end; lengths the headers claim are checked against the frame length.
 * Needs 5.3+ (bounded loops); user/common/pkt_locate.c is the user-space
 * twin of the plain (not encapsulated) parse.
 */
#ifndef DW_PARSE_BPF_H
#define DW_PARSE_BPF_H

#include <bpf/bpf_endian.h>

#include "dnsward.h"
#include "dw_digest.h"
#include "lib/ports.bpf.h"

#define DW_VLAN_MAX    2   /* 802.1Q / 802.1ad tags skipped */
#define DW_IP6_EXT_MAX 4   /* IPv6 extension headers skipped; more is malformed */
#define DW_HDR_MAX     512 /* L4 header must start within this many bytes */

#define DW_ETH_P_IP	0x0800
#define DW_ETH_P_IPV6	0x86DD
#define DW_ETH_P_8021Q	0x8100
#define DW_ETH_P_8021AD 0x88A8
#define DW_IPPROTO_UDP	17
#define DW_IPPROTO_TCP	6

enum dw_parse {
	DW_P_NOT_DNS = 0, /* pass */
	DW_P_REPLY,	  /* a DNS reply (QR set) from the DNS port */
	DW_P_LATER_FRAG,  /* a non-first IP fragment of UDP or TCP */
	DW_P_MALFORMED,	  /* truncated headers or lengths that lie */
	DW_P_SHORT,	  /* tc: headers beyond the linear area, pull and retry */
	DW_P_FRAG_CUT,	  /* a first fragment from the DNS port too short to judge */
	DW_P_UDP_OTHER,	  /* UDP that is no DNS reply: maybe a tunnel (encap.bpf.h) */
};

/* What the parser found; offsets are from the first byte of the frame. */
struct dw_hdrs {
	__u32 l3_off, l4_off, l3_end;
	__u32 dns_off; /* DNS message (after the TCP length prefix) */
	__u32 dns_len; /* UDP: the datagram's payload; TCP: the length prefix */
	__u32 avail;   /* message bytes present in this packet */
	__u8 l3, l4;
	__u8 frag;    /* first fragment: the message is incomplete */
	__u8 tcpflow; /* DW_TCPF_*: what the TCP flow tracking makes of it */
	struct dw_addr_key src;
	/* TCP from the DNS port (l4 == DW_IPPROTO_TCP): */
	__u32 tcp_seq; /* host order */
	__u32 pay_off; /* frame offset of the payload (the first length prefix) */
	__u8 tcp_flags;
	__u8 encap; /* the offsets are the inner packet's of a VXLAN or Geneve frame */
	__u8 pad[2];
};

/* dw_hdrs.tcpflow: a TCP segment the flow state must see (bpf/lib/tcpflow.bpf.h). */
#define DW_TCPF_SEEN	1 /* SYN, FIN, RST or payload: look the flow up */
#define DW_TCPF_TRACKED 2 /* a message start of a tracked flow is being judged */

struct dw_vlan {
	__be16 tci;
	__be16 proto;
};

/* A read of `need` bytes failed: beyond the frame is malformed, beyond data_end only short. */
static __always_inline int dw_short(__u32 need, __u32 frame_len)
{
	return need <= frame_len ? DW_P_SHORT : DW_P_MALFORMED;
}

static __always_inline int dw_parse_ip4(void *data, void *data_end, __u32 frame_len,
					struct dw_hdrs *h, int *proto)
{
	struct iphdr *ip = data + (h->l3_off & 0x3ff);
	__u32 ihl, tot;
	__u16 fo;

	if ((void *)(ip + 1) > data_end)
		return dw_short(h->l3_off + sizeof(*ip), frame_len);
	if (ip->version != 4)
		return DW_P_MALFORMED;
	ihl = ip->ihl * 4;
	tot = bpf_ntohs(ip->tot_len);
	if (ihl < sizeof(*ip) || tot < ihl || h->l3_off + tot > frame_len)
		return DW_P_MALFORMED;
	fo = bpf_ntohs(ip->frag_off);
	*proto = ip->protocol;
	if (fo & 0x1fff)
		return (*proto == DW_IPPROTO_UDP || *proto == DW_IPPROTO_TCP) ? DW_P_LATER_FRAG
									      : DW_P_NOT_DNS;
	h->frag = (fo & 0x2000) != 0;
	h->src.family = 2; /* AF_INET */
	__builtin_memcpy(h->src.addr, &ip->saddr, 4);
	h->l4_off = h->l3_off + ihl;
	h->l3_end = h->l3_off + tot;
	h->l3 = 4;
	return DW_P_REPLY;
}

static __always_inline int dw_parse_ip6(void *data, void *data_end, __u32 frame_len,
					struct dw_hdrs *h, int *proto)
{
	struct ipv6hdr *ip6 = data + (h->l3_off & 0x3ff);
	__u32 off, i;
	int nh;

	if ((void *)(ip6 + 1) > data_end)
		return dw_short(h->l3_off + sizeof(*ip6), frame_len);
	if (ip6->version != 6)
		return DW_P_MALFORMED;
	h->l3_end = h->l3_off + sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
	if (h->l3_end > frame_len)
		return DW_P_MALFORMED;
	h->src.family = 10; /* AF_INET6 */
	__builtin_memcpy(h->src.addr, &ip6->saddr, 16);
	h->l3 = 6;
	nh = ip6->nexthdr;
	off = h->l3_off + sizeof(*ip6);
	for (i = 0; i <= DW_IP6_EXT_MAX; i++) {
		__u8 *x;
		int cur = nh;

		if (cur != 0 && cur != 43 && cur != 44 && cur != 60 && cur != 51)
			break;
		if (i == DW_IP6_EXT_MAX || off + 8 > h->l3_end || off > DW_HDR_MAX)
			return DW_P_MALFORMED;
		x = data + off;
		if ((void *)(x + 8) > data_end)
			return dw_short(off + 8, frame_len);
		nh = x[0];
		if (cur == 44) {
			__u16 fo = ((__u16)x[2] << 8) | x[3];

			if (fo & 0xfff8)
				return (nh == DW_IPPROTO_UDP || nh == DW_IPPROTO_TCP)
					   ? DW_P_LATER_FRAG
					   : DW_P_NOT_DNS;
			h->frag = fo & 1;
			off += 8;
		} else if (cur == 51) {
			off += ((__u32)x[1] + 2) * 4;
		} else {
			off += ((__u32)x[1] + 1) * 8;
		}
	}
	if (off > h->l3_end || off > DW_HDR_MAX)
		return DW_P_MALFORMED;
	*proto = nh;
	h->l4_off = off;
	return DW_P_REPLY;
}

/* UDP or TCP from the DNS port with QR set in the message's header. */
static __always_inline int dw_parse_l4(void *data, void *data_end, __u32 frame_len, __u16 port,
				       int proto, struct dw_hdrs *h)
{
	__u32 off = h->l4_off;
	__u8 *flags;

	if (off > DW_HDR_MAX)
		return DW_P_MALFORMED;
	if (proto == DW_IPPROTO_UDP) {
		struct udphdr *udp = data + (off & 0x3ff);
		__u32 ulen;

		if (off + sizeof(*udp) > h->l3_end)
			return DW_P_MALFORMED;
		if ((void *)(udp + 1) > data_end)
			return dw_short(off + sizeof(*udp), frame_len);
		if (!dw_is_dns_port(udp->source, port))
			return DW_P_NOT_DNS;
		ulen = bpf_ntohs(udp->len);
		if (ulen < 8 || (!h->frag && off + ulen > h->l3_end))
			return DW_P_MALFORMED;
		h->dns_off = off + 8;
		h->dns_len = ulen - 8;
	} else if (proto == DW_IPPROTO_TCP) {
		struct tcphdr *tcp = data + (off & 0x3ff);
		__u32 doff;
		__u8 *len;

		if (off + sizeof(*tcp) > h->l3_end)
			return DW_P_MALFORMED;
		if ((void *)(tcp + 1) > data_end)
			return dw_short(off + sizeof(*tcp), frame_len);
		if (!dw_is_dns_port(tcp->source, port))
			return DW_P_NOT_DNS;
		doff = tcp->doff * 4;
		if (doff < 20 || off + doff > h->l3_end)
			return DW_P_MALFORMED;
		off += doff;
		/* What the flow state needs, even when this is not a reply's start. */
		h->l4 = proto;
		h->tcp_seq = bpf_ntohl(tcp->seq);
		h->tcp_flags = ((__u8 *)tcp)[13];
		h->pay_off = off;
		if (off < h->l3_end || (h->tcp_flags & 0x07)) /* payload, FIN, SYN or RST */
			h->tcpflow = DW_TCPF_SEEN;
		if (off + 2 > h->l3_end)
			return DW_P_NOT_DNS; /* no payload: SYN, ACK, FIN */
		len = data + (off & 0x3ff);
		if ((void *)(len + 2) > data_end)
			return dw_short(off + 2, frame_len);
		h->dns_off = off + 2;
		h->dns_len = ((__u32)len[0] << 8) | len[1];
	} else {
		return DW_P_NOT_DNS;
	}
	h->l4 = proto;
	h->avail = h->l3_end - h->dns_off;
	/*
	 * A first fragment must carry the DNS header: the question is then
	 * checked whole in it or the datagram is dropped. Passing it would let
	 * the receiver reassemble a reply no one judged (the later fragments
	 * pass: they carry no port). Real path MTUs never cut that early.
	 */
	if (h->frag && h->avail < DW_DNS_HDR_LEN)
		return DW_P_FRAG_CUT;
	if (h->avail < DW_DNS_HDR_LEN || h->dns_len < DW_DNS_HDR_LEN)
		return DW_P_NOT_DNS;
	flags = data + (h->dns_off & 0x3ff) + 2;
	if ((void *)(flags + 1) > data_end)
		return dw_short(h->dns_off + 3, frame_len);
	if (!(*flags & 0x80))
		return DW_P_NOT_DNS; /* a query from port 53, not a reply */
	return DW_P_REPLY;
}

/*
 * Ethernet at eth_off (0, or an encapsulated frame's), 0-2 VLAN tags, then
 * IPv4 or IPv6 (shared by the reply and the query parse). DW_P_REPLY here
 * means "an IP packet whose L4 header starts at h->l4_off"; *proto is its
 * protocol.
 */
static __always_inline int dw_parse_l3(void *data, void *data_end, __u32 frame_len, __u32 eth_off,
				       struct dw_hdrs *h, int *proto)
{
	struct ethhdr *eth = data + (eth_off & 0x3ff);
	struct dw_vlan *vh;
	__u16 ethertype;
	int i;

	if ((void *)(eth + 1) > data_end)
		return frame_len >= eth_off + sizeof(*eth) ? DW_P_SHORT : DW_P_NOT_DNS;
	ethertype = bpf_ntohs(eth->h_proto);
	h->l3_off = eth_off + sizeof(*eth);
#pragma unroll
	for (i = 0; i < DW_VLAN_MAX; i++) {
		if (ethertype != DW_ETH_P_8021Q && ethertype != DW_ETH_P_8021AD)
			break;
		vh = data + (h->l3_off & 0x3ff);
		if ((void *)(vh + 1) > data_end)
			return dw_short(h->l3_off + sizeof(*vh), frame_len);
		ethertype = bpf_ntohs(vh->proto);
		h->l3_off += sizeof(*vh);
	}
	if (ethertype == DW_ETH_P_IP)
		return dw_parse_ip4(data, data_end, frame_len, h, proto);
	if (ethertype == DW_ETH_P_IPV6)
		return dw_parse_ip6(data, data_end, frame_len, h, proto);
	return DW_P_NOT_DNS;
}

/* Bytes tc pulls into the linear area when headers are not there. */
#define DW_PULL_LEN 256

/* dw_parse_l3 on a tc packet, pulling the headers into the linear area when they are not there. */
static __always_inline int dw_parse_l3_skb(struct __sk_buff *skb, struct dw_hdrs *h, int *proto)
{
	int rc = dw_parse_l3((void *)(long)skb->data, (void *)(long)skb->data_end, skb->len, 0, h,
			     proto);

	if (rc != DW_P_SHORT)
		return rc;
	bpf_skb_pull_data(skb, skb->len < DW_PULL_LEN ? skb->len : DW_PULL_LEN);
	return dw_parse_l3((void *)(long)skb->data, (void *)(long)skb->data_end, skb->len, 0, h,
			   proto);
}

/*
 * A reply from a DNS port, else DW_P_UDP_OTHER for UDP that is no DNS reply:
 * the caller then looks for a reply inside a VXLAN or Geneve frame
 * (encap.bpf.h). A datagram whose bytes are a DNS reply (QR set) is never a
 * tunnel packet the kernel accepts (VXLAN wants the reserved bits clear,
 * Geneve's protocol type has its top bit clear), so trying DNS first lets no
 * tunnel packet pass unopened.
 */
static __always_inline int dw_parse_headers(void *data, void *data_end, __u32 frame_len, __u16 port,
					    struct dw_hdrs *h)
{
	int proto = -1, rc;

	rc = dw_parse_l3(data, data_end, frame_len, 0, h, &proto);
	if (rc != DW_P_REPLY)
		return rc;
	rc = dw_parse_l4(data, data_end, frame_len, port, proto, h);
	if (rc == DW_P_NOT_DNS && proto == DW_IPPROTO_UDP)
		return DW_P_UDP_OTHER;
	return rc;
}

/*
 * The query variant (bpf/lib/query.bpf.h): Ethernet, 0-2 VLAN tags, IPv4 or
 * IPv6 as above, stopping at the L4 protocol so that everything but UDP
 * leaves after a few loads. Returns DW_P_QUERY with h->l4_off set when the
 * packet is UDP (not a later fragment), else DW_P_NOT_DNS or DW_P_SHORT.
 * Anything that does not parse is DW_P_NOT_DNS: the query hook only passes.
 */
#define DW_P_QUERY 16 /* outside enum dw_parse: the reply path never sees it */

static __always_inline int dw_parse_query_l3(void *data, void *data_end, __u32 frame_len,
					     struct dw_hdrs *h)
{
	int proto = -1, rc;

	rc = dw_parse_l3(data, data_end, frame_len, 0, h, &proto);
	if (rc == DW_P_SHORT)
		return rc;
	if (rc != DW_P_REPLY || proto != DW_IPPROTO_UDP || h->frag)
		return DW_P_NOT_DNS; /* a first fragment: the question may be cut */
	return DW_P_QUERY;
}

/*
 * UDP to the DNS port carrying a standard query (QR clear, opcode QUERY).
 * Sets dns_off, dns_len and avail. DW_P_QUERY, DW_P_NOT_DNS, DW_P_MALFORMED
 * (a DNS-port datagram whose lengths lie) or DW_P_SHORT.
 */
static __always_inline int dw_parse_query_l4(void *data, void *data_end, __u32 frame_len,
					     __u16 port, struct dw_hdrs *h)
{
	__u32 off = h->l4_off, ulen;
	struct udphdr *udp;
	__u8 *flags;

	if (off > DW_HDR_MAX)
		return DW_P_NOT_DNS;
	udp = data + (off & 0x3ff);
	if ((void *)(udp + 1) > data_end)
		return dw_short(off + sizeof(*udp), frame_len);
	if (!dw_is_dns_port(udp->dest, port))
		return DW_P_NOT_DNS;
	ulen = bpf_ntohs(udp->len);
	if (ulen < 8 || off + ulen > h->l3_end)
		return DW_P_MALFORMED;
	h->l4 = DW_IPPROTO_UDP;
	h->dns_off = off + 8;
	h->dns_len = ulen - 8;
	h->avail = h->dns_len;
	if (h->dns_len < DW_DNS_HDR_LEN)
		return DW_P_MALFORMED;
	flags = data + (h->dns_off & 0x3ff) + 2;
	if ((void *)(flags + 1) > data_end)
		return dw_short(h->dns_off + 3, frame_len);
	if (*flags & 0xf8)
		return DW_P_NOT_DNS; /* a reply to port 53, or not a standard query */
	return DW_P_QUERY;
}

/* The tunnel step the reply and query hooks take after the parse above. */
#include "lib/encap.bpf.h"

#endif /* DW_PARSE_BPF_H */
