/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * selfreply.bpf.h: is a protected reply addressed to one of the validator's
 * own upstream sockets? The hook on an uplink also sees the answers to the
 * validator's queries; holding them would only delay the validator, which
 * believes nothing an upstream says until DNSSEC proves it.
 *
 * The reply's destination socket is looked up in the hook's own network
 * namespace (bpf_sk_lookup_udp/_tcp, XDP and tc, 5.2+) and is the validator's
 * when it carries DW_VALIDATOR_MARK (SO_MARK needs CAP_NET_ADMIN in the
 * node's namespace) and is connected to the reply's source from the reply's
 * destination address (so a forwarded reply toward a pod or another host can
 * never match, whatever ports collide). Pods' sockets live in other
 * namespaces: the lookup cannot find them. Called on the protected miss
 * path only: unprotected replies and verdict hits never pay for the lookup.
 */
#ifndef DW_SELFREPLY_BPF_H
#define DW_SELFREPLY_BPF_H

#include "lib/maps.bpf.h"

/* Where the L3 header may start (Ethernet and two VLAN tags, with room). */
#define DW_SELF_L3_MAX 64

/* Fills t from the copied frame; returns the tuple's size, or 0. */
static __always_inline __u32 dw_self_tuple(const struct dw_scratch *s, const struct dw_hdrs *h,
					   struct bpf_sock_tuple *t)
{
	__u32 l3 = h->l3_off, l4 = h->l4_off;
	const __u8 *ip, *ports;

	/* The parser checked these against the IP length and the frame, which is
	 * copied whole; bound them for the verifier. (punt.pkt_len is not set yet.) */
	if (l3 > DW_SELF_L3_MAX || l4 > DW_HDR_MAX || l4 + 4 > h->l3_end)
		return 0;
	ip = s->punt.pkt + l3;
	ports = s->punt.pkt + l4;
	if (h->l3 == 4) {
		__builtin_memcpy(&t->ipv4.saddr, ip + 12, 8); /* saddr, daddr */
		__builtin_memcpy(&t->ipv4.sport, ports, 4);   /* sport, dport */
		return sizeof(t->ipv4);
	}
	if (h->l3 == 6) {
		__builtin_memcpy(t->ipv6.saddr, ip + 8, 32);
		__builtin_memcpy(&t->ipv6.sport, ports, 4);
		return sizeof(t->ipv6);
	}
	return 0;
}

/*
 * One field of the socket, loaded at a constant offset from the socket
 * pointer: the verifier refuses arithmetic on it, which the compiler would
 * otherwise emit to share a base between neighbouring fields.
 */
#define DW_SK_FIELD(sk, f)                                                                         \
	({                                                                                         \
		__u32 __v = (sk)->f;                                                               \
		dw_hide(__v);                                                                      \
		__v;                                                                               \
	})

/* The socket is the validator's and is connected to the reply's source, from its destination. */
static __always_inline int dw_self_owns(const struct bpf_sock *sk, const struct bpf_sock_tuple *t,
					__u8 l3)
{
	if (DW_SK_FIELD(sk, mark) != DW_VALIDATOR_MARK)
		return 0;
	if (l3 == 4)
		return DW_SK_FIELD(sk, dst_ip4) == t->ipv4.saddr &&
		       DW_SK_FIELD(sk, src_ip4) == t->ipv4.daddr;
	return DW_SK_FIELD(sk, dst_ip6[0]) == t->ipv6.saddr[0] &&
	       DW_SK_FIELD(sk, dst_ip6[1]) == t->ipv6.saddr[1] &&
	       DW_SK_FIELD(sk, dst_ip6[2]) == t->ipv6.saddr[2] &&
	       DW_SK_FIELD(sk, dst_ip6[3]) == t->ipv6.saddr[3] &&
	       DW_SK_FIELD(sk, src_ip6[0]) == t->ipv6.daddr[0] &&
	       DW_SK_FIELD(sk, src_ip6[1]) == t->ipv6.daddr[1] &&
	       DW_SK_FIELD(sk, src_ip6[2]) == t->ipv6.daddr[2] &&
	       DW_SK_FIELD(sk, src_ip6[3]) == t->ipv6.daddr[3];
}

/* 1 when the reply in the scratch goes to a validator socket of this namespace. */
static __always_inline int dw_selfreply(void *ctx, const struct dw_scratch *s,
					const struct dw_hdrs *h)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;
	__u32 len;
	int ours;

	len = dw_self_tuple(s, h, &t);
	if (!len)
		return 0;
	if (h->l4 == DW_IPPROTO_TCP)
		sk = bpf_sk_lookup_tcp(ctx, &t, len, BPF_F_CURRENT_NETNS, 0);
	else
		sk = bpf_sk_lookup_udp(ctx, &t, len, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return 0;
	ours = dw_self_owns(sk, &t, h->l3);
	bpf_sk_release(sk); /* the only exit after a successful lookup */
	return ours;
}

#endif /* DW_SELFREPLY_BPF_H */
