// SPDX-License-Identifier: BSD-2-Clause
/*
 * pkt_locate.c: finds the DNS reply in a frame, with the rules the data
 * plane's header parser follows (bpf/lib/parse.bpf.h): 0-2 VLAN tags, IPv4
 * with options, IPv6 with up to DW_IP6_EXT_MAX extension headers, UDP or TCP
 * from the DNS port with QR set.
 */
#include <string.h>
#include <netinet/in.h>

#include "common/log.h"
#include "common/pkt_digest.h"

#define ETH_HLEN_   14
#define IP6_EXT_MAX 4 /* same bound as the BPF parser's DW_IP6_EXT_MAX */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Skips VLAN tags; returns the EtherType and sets *off to the L3 header. */
static int skip_l2(const uint8_t *f, size_t len, size_t *off, uint8_t *vlans)
{
	uint16_t proto;

	if (len < ETH_HLEN_)
		return PKT_EMALFORMED;
	proto = be16(f + 12);
	*off = ETH_HLEN_;
	*vlans = 0;
	while ((proto == 0x8100 || proto == 0x88a8) && *vlans < 2) {
		if (*off + 4 > len)
			return PKT_EMALFORMED;
		proto = be16(f + *off + 2);
		*off += 4;
		(*vlans)++;
	}
	return proto;
}

static int ip4(const uint8_t *f, size_t len, struct pkt_loc *loc, size_t *l3_end, int *proto)
{
	size_t off = loc->l3_off, ihl;
	uint16_t frag;

	if (off + 20 > len || (f[off] >> 4) != 4)
		return PKT_EMALFORMED;
	ihl = (size_t)(f[off] & 0xf) * 4;
	if (ihl < 20 || off + ihl > len || be16(f + off + 2) < ihl || off + be16(f + off + 2) > len)
		return PKT_EMALFORMED;
	frag = be16(f + off + 6);
	if (frag & 0x1fff)
		return PKT_ENOTDNS; /* a later fragment: no L4 header */
	loc->frag = (frag & 0x2000) != 0;
	*proto = f[off + 9];
	memcpy(loc->saddr, f + off + 12, 4);
	loc->l4_off = (uint16_t)(off + ihl);
	*l3_end = off + be16(f + off + 2);
	return 0;
}

static int ip6(const uint8_t *f, size_t len, struct pkt_loc *loc, size_t *l3_end, int *proto)
{
	size_t off = loc->l3_off, next;
	int nh, i;

	if (off + 40 > len || (f[off] >> 4) != 6 || off + 40 + be16(f + off + 4) > len)
		return PKT_EMALFORMED;
	*l3_end = off + 40 + be16(f + off + 4);
	memcpy(loc->saddr, f + off + 8, 16);
	nh = f[off + 6];
	next = off + 40;
	for (i = 0; i <= IP6_EXT_MAX; i++) {
		int cur = nh;

		if (cur != 0 && cur != 43 && cur != 44 && cur != 60 && cur != 51)
			break;
		if (i == IP6_EXT_MAX || next + 8 > *l3_end)
			return PKT_EMALFORMED;
		nh = f[next];
		if (cur == 44) {
			uint16_t fo = be16(f + next + 2);

			if (fo & 0xfff8)
				return PKT_ENOTDNS; /* a later fragment */
			loc->frag = fo & 1;
			next += 8;
		} else if (cur == 51) {
			next += ((size_t)f[next + 1] + 2) * 4;
		} else {
			next += ((size_t)f[next + 1] + 1) * 8;
		}
	}
	if (next > *l3_end)
		return PKT_EMALFORMED;
	*proto = nh;
	loc->l4_off = (uint16_t)next;
	return 0;
}

/* UDP or TCP from the DNS port carrying a message with QR set. */
static int l4(const uint8_t *f, size_t l3_end, int proto, uint16_t port, struct pkt_loc *loc)
{
	size_t off = loc->l4_off, avail;

	if (proto != IPPROTO_UDP && proto != IPPROTO_TCP)
		return PKT_ENOTDNS;
	loc->l4 = (uint8_t)proto;
	if (proto == IPPROTO_UDP) {
		uint16_t ulen;

		if (off + 8 > l3_end)
			return PKT_EMALFORMED;
		loc->sport = be16(f + off);
		ulen = be16(f + off + 4);
		if (loc->sport != port)
			return PKT_ENOTDNS;
		if (ulen < 8 || (!loc->frag && off + ulen > l3_end))
			return PKT_EMALFORMED;
		loc->dns_off = (uint16_t)(off + 8);
		loc->dns_len = (uint16_t)(ulen - 8);
	} else {
		size_t doff;

		if (off + 20 > l3_end)
			return PKT_EMALFORMED;
		loc->sport = be16(f + off);
		if (loc->sport != port)
			return PKT_ENOTDNS;
		doff = (size_t)(f[off + 12] >> 4) * 4;
		if (doff < 20 || off + doff > l3_end)
			return PKT_EMALFORMED;
		if (off + doff + 2 > l3_end)
			return PKT_ENOTDNS; /* no payload: an ACK, SYN or FIN */
		loc->dns_off = (uint16_t)(off + doff + 2);
		loc->dns_len = be16(f + off + doff);
	}
	avail = l3_end - loc->dns_off;
	if (avail < 12 || loc->dns_len < 12)
		return PKT_ENOTDNS;
	if (!(f[loc->dns_off + 2] & 0x80))
		return PKT_ENOTDNS; /* a query, not a reply */
	return 0;
}

int pkt_locate_dns(const uint8_t *frame, size_t len, uint16_t dns_port, struct pkt_loc *loc)
{
	size_t off, l3_end = 0;
	int proto = -1, et, err;

	memset(loc, 0, sizeof(*loc));
	et = skip_l2(frame, len, &off, &loc->vlans);
	if (et < 0)
		return et;
	if (off > 0xffff)
		return PKT_EMALFORMED;
	loc->l3_off = (uint16_t)off;
	if (et == 0x0800) {
		loc->l3 = 4;
		err = ip4(frame, len, loc, &l3_end, &proto);
	} else if (et == 0x86dd) {
		loc->l3 = 6;
		err = ip6(frame, len, loc, &l3_end, &proto);
	} else {
		return PKT_ENOTDNS;
	}
	if (err)
		return err;
	err = l4(frame, l3_end, proto, dns_port, loc);
	if (err == PKT_EMALFORMED)
		pr_debug("pkt: frame of %zu bytes has truncated or lying headers", len);
	return err;
}
