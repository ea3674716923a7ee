/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dp_packets.h: builders for DNS messages and the frames that carry them
 * (Ethernet, 0-2 VLAN tags, IPv4 with options, IPv6 with a hop-by-hop header,
 * UDP or TCP): the one packet builder of the data-plane tests, the bench,
 * the daemon's codec unit tests and tools/dw-relbench. Header-only and free
 * of BPF headers: each program includes it once.
 */
#ifndef DW_DP_PACKETS_H
#define DW_DP_PACKETS_H

#include <stdint.h>
#include <string.h>

struct dp_buf {
	uint8_t b[4096];
	size_t n;
};

static inline void dp_u8(struct dp_buf *m, uint8_t v)
{
	if (m->n < sizeof(m->b))
		m->b[m->n++] = v;
}

static inline void dp_u16(struct dp_buf *m, uint16_t v)
{
	dp_u8(m, v >> 8);
	dp_u8(m, v & 0xff);
}

static inline void dp_u32(struct dp_buf *m, uint32_t v)
{
	dp_u16(m, v >> 16);
	dp_u16(m, v & 0xffff);
}

static inline void dp_bytes(struct dp_buf *m, const void *p, size_t n)
{
	const uint8_t *q = p;
	size_t i;

	for (i = 0; i < n; i++)
		dp_u8(m, q[i]);
}

/*
 * A presentation name ("www.idp.test", "." for the root) in wire form,
 * uncompressed. "\\X" is the byte X and "\\DDD" the byte of decimal DDD
 * (RFC 1035 5.1), so a label can carry a dot or a space ("a\\.b", "\\032x").
 */
static inline void dp_name(struct dp_buf *m, const char *name)
{
	while (*name && strcmp(name, ".")) {
		size_t len_at = m->n;
		uint8_t l = 0;

		dp_u8(m, 0); /* the length, patched when the label ends */
		while (*name && *name != '.') {
			unsigned c = (unsigned char)*name++;

			if (c == '\\' && name[0] >= '0' && name[0] <= '9' && name[1] && name[2]) {
				c = (unsigned)(name[0] - '0') * 100 +
				    (unsigned)(name[1] - '0') * 10 + (unsigned)(name[2] - '0');
				name += 3;
			} else if (c == '\\' && *name) {
				c = (unsigned char)*name++;
			}
			dp_u8(m, (uint8_t)c);
			l++;
		}
		if (len_at < sizeof(m->b))
			m->b[len_at] = l;
		if (*name == '.')
			name++;
	}
	dp_u8(m, 0);
}

/* A name whose last part is a compression pointer to offset target. */
static inline void dp_name_ptr(struct dp_buf *m, const char *prefix, uint16_t target)
{
	size_t before = m->n;

	if (prefix && *prefix) {
		dp_name(m, prefix);
		m->n--; /* drop the root octet: the pointer ends the name */
	}
	(void)before;
	dp_u16(m, 0xc000 | target);
}

static inline void dp_hdr(struct dp_buf *m, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
			  uint16_t ns, uint16_t ar)
{
	m->n = 0;
	dp_u16(m, id);
	dp_u16(m, flags);
	dp_u16(m, qd);
	dp_u16(m, an);
	dp_u16(m, ns);
	dp_u16(m, ar);
}

/* Fixed RR fields after the owner; returns the offset of RDLENGTH to patch. */
static inline size_t dp_rr_fixed(struct dp_buf *m, uint16_t type, uint32_t ttl, uint16_t rdlen)
{
	size_t at;

	dp_u16(m, type);
	dp_u16(m, 1);
	dp_u32(m, ttl);
	at = m->n;
	dp_u16(m, rdlen);
	return at;
}

static inline void dp_patch16(struct dp_buf *m, size_t at, uint16_t v)
{
	m->b[at] = v >> 8;
	m->b[at + 1] = v & 0xff;
}

#define DP_QR	 0x8000
#define DP_RD	 0x0100
#define DP_RA	 0x0080
#define DP_REPLY (DP_QR | DP_RD | DP_RA)

/* A reply: question qname/A and one A answer whose owner points at the question. */
static inline void dp_reply_a(struct dp_buf *m, const char *qname, uint16_t id, uint32_t ttl,
			      uint32_t addr)
{
	dp_hdr(m, id, DP_REPLY, 1, 1, 0, 0);
	dp_name(m, qname);
	dp_u16(m, 1);
	dp_u16(m, 1);
	dp_name_ptr(m, NULL, 12);
	dp_rr_fixed(m, 1, ttl, 4);
	dp_u32(m, addr);
}

/* The rdata fields before the name: HTTPS/SVCB priority, or NAPTR order to regexp. */
static inline void dp_rdata_before_name(struct dp_buf *m, uint16_t type)
{
	dp_u16(m, 1); /* SvcPriority, or NAPTR order */
	if (type != 35)
		return;
	dp_u16(m, 10); /* preference */
	dp_u8(m, 1);
	dp_bytes(m, "u", 1); /* flags */
	dp_u8(m, 7);
	dp_bytes(m, "E2U+sip", 7); /* services */
	dp_u8(m, 0);		   /* regexp */
}

/*
 * A reply for qname/type (HTTPS, SVCB or NAPTR) whose one record's name
 * (TargetName, replacement) is a compression pointer into the OPT record,
 * at the data of an option that holds the name target. in_answer: the
 * record is the answer, before the OPT (a pointer forward); else it follows
 * the OPT in the additional section (a pointer backward).
 */
static inline void dp_reply_name_in_opt(struct dp_buf *m, const char *qname, uint16_t type,
					const char *target, int in_answer)
{
	size_t rdlen_at, ptr_at = 0, opt_len_at, name_at;

	dp_hdr(m, 7, DP_REPLY, 1, in_answer ? 1 : 0, 0, in_answer ? 1 : 2);
	dp_name(m, qname);
	dp_u16(m, type);
	dp_u16(m, 1);
	if (in_answer) {
		dp_name_ptr(m, NULL, 12);
		rdlen_at = dp_rr_fixed(m, type, 300, 0);
		dp_rdata_before_name(m, type);
		ptr_at = m->n;
		dp_u16(m, 0xc000); /* patched below */
		dp_patch16(m, rdlen_at, (uint16_t)(m->n - rdlen_at - 2));
	}
	dp_u8(m, 0); /* OPT: the root owner, 1232 bytes, DO */
	dp_u16(m, 41);
	dp_u16(m, 1232);
	dp_u32(m, 0x8000);
	opt_len_at = m->n;
	dp_u16(m, 0);
	dp_u16(m, 65001); /* an option for local use */
	dp_u16(m, 0);
	name_at = m->n;
	dp_name(m, target);
	dp_patch16(m, name_at - 2, (uint16_t)(m->n - name_at));
	dp_patch16(m, opt_len_at, (uint16_t)(m->n - opt_len_at - 2));
	if (in_answer) {
		dp_patch16(m, ptr_at, (uint16_t)(0xc000 | name_at));
		return;
	}
	dp_name_ptr(m, NULL, 12);
	rdlen_at = dp_rr_fixed(m, type, 300, 0);
	dp_rdata_before_name(m, type);
	dp_u16(m, (uint16_t)(0xc000 | name_at));
	dp_patch16(m, rdlen_at, (uint16_t)(m->n - rdlen_at - 2));
}

enum dp_l3 { DP_IP4 = 4, DP_IP6 = 6 };

struct dp_frame_opts {
	int l3;		  /* DP_IP4 or DP_IP6 */
	int tcp;	  /* TCP instead of UDP */
	int vlans;	  /* 0..2 */
	int ip4_opts;	  /* 4-byte multiples of IPv4 options */
	int ip6_hbh;	  /* a hop-by-hop header */
	uint16_t sport;	  /* default 53 */
	uint16_t ip_frag; /* IPv4 frag_off field (host order) */
	int tcp_extra;	  /* TCP: bytes the length prefix claims beyond the message */
	uint8_t src_last; /* last byte of the source address (default 53) */
	int ip6_frag;	  /* IPv6: a fragment header, offset 0 with M set (a first fragment) */
	int l4_cut;	  /* >0: the IP packet carries only this many bytes from the L4 header on */
	uint16_t dport;	  /* default 33333 */
	uint16_t udp_csum;	    /* the UDP checksum field as written (default 0: none) */
	int ip4_csum;		    /* IPv4: fill the header checksum (default 0 in the field) */
	uint32_t ip4_src;	    /* IPv4 source, host order (default 198.51.100.<src_last>) */
	uint32_t ip4_dst;	    /* IPv4 destination, host order (default 192.0.2.2) */
	uint8_t ip6_dst_last;	    /* IPv6: last byte of the destination (default 2) */
	const uint8_t *dmac, *smac; /* default 02:00:00:00:00:01 and 02:00:00:00:00:02 */
	/* IPv6: extension headers as given, already chained (their last next header is
	 * the L4 protocol); ip6_exts_nh is the IPv6 header's next header. Instead of
	 * ip6_hbh and ip6_frag. */
	const uint8_t *ip6_exts;
	size_t ip6_exts_len;
	uint8_t ip6_exts_nh;
};

/* The Internet checksum's one's-complement sum folded to 16 bits. */
static inline uint16_t dp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Wraps a DNS message into a frame; returns the frame length. */
static inline size_t dp_frame(struct dp_buf *f, const uint8_t *msg, size_t mlen,
			      const struct dp_frame_opts *o)
{
	static const uint8_t def_dmac[6] = {2, 0, 0, 0, 0, 1}, def_smac[6] = {2, 0, 0, 0, 0, 2};
	size_t l4len = (o->tcp ? 20 + 2 : 8) + mlen, ip_at, i, ext = 0;
	/* What the IP header counts: the whole datagram, or the cut first fragment. */
	size_t l4_on_wire = o->l4_cut > 0 && (size_t)o->l4_cut < l4len ? (size_t)o->l4_cut : l4len;
	uint16_t sport = o->sport ? o->sport : 53;
	uint8_t last = o->src_last ? o->src_last : 53;

	f->n = 0;
	dp_bytes(f, o->dmac ? o->dmac : def_dmac, 6);
	dp_bytes(f, o->smac ? o->smac : def_smac, 6);
	for (i = 0; i < (size_t)o->vlans; i++) {
		dp_u16(f, i == 0 && o->vlans == 2 ? 0x88a8 : 0x8100);
		dp_u16(f, 100 + i);
	}
	dp_u16(f, o->l3 == DP_IP6 ? 0x86dd : 0x0800);
	ip_at = f->n;
	if (o->l3 == DP_IP6) {
		ext = o->ip6_exts_len ? o->ip6_exts_len
				      : (size_t)(o->ip6_hbh ? 8 : 0) + (o->ip6_frag ? 8 : 0);
		dp_u32(f, 0x60000000);
		dp_u16(f, l4_on_wire + ext);
		dp_u8(f, o->ip6_exts_len ? o->ip6_exts_nh
			 : o->ip6_hbh	 ? 0
			 : o->ip6_frag	 ? 44
					 : (o->tcp ? 6 : 17));
		dp_u8(f, 64);
		dp_u32(f, 0x20010db8);
		dp_u32(f, 0x00020000);
		dp_u32(f, 0);
		dp_u32(f, last);
		dp_u32(f, 0x20010db8);
		dp_u32(f, 0x00010000);
		dp_u32(f, 0);
		dp_u32(f, o->ip6_dst_last ? o->ip6_dst_last : 2);
		if (o->ip6_exts_len)
			dp_bytes(f, o->ip6_exts, o->ip6_exts_len);
		else if (o->ip6_hbh) {
			dp_u8(f, o->ip6_frag ? 44 : (o->tcp ? 6 : 17));
			dp_u8(f, 0);
			dp_u16(f, 0x0104); /* PadN, 4 bytes */
			dp_u32(f, 0);
		}
		if (o->ip6_frag && !o->ip6_exts_len) {
			dp_u8(f, o->tcp ? 6 : 17);
			dp_u8(f, 0);
			dp_u16(f, 0x0001); /* offset 0, M set */
			dp_u32(f, 0x12345678);
		}
	} else {
		dp_u8(f, 0x45 + o->ip4_opts);
		dp_u8(f, 0);
		dp_u16(f, 20 + 4 * o->ip4_opts + l4_on_wire);
		dp_u16(f, 1);
		dp_u16(f, o->ip_frag);
		dp_u8(f, 64);
		dp_u8(f, o->tcp ? 6 : 17);
		dp_u16(f, 0);
		dp_u32(f, o->ip4_src ? o->ip4_src : 0xc6336400 | last); /* 198.51.100.x */
		dp_u32(f, o->ip4_dst ? o->ip4_dst : 0xc0000202);	/* 192.0.2.2 */
		for (i = 0; i < (size_t)o->ip4_opts; i++)
			dp_u32(f, 0x01010101); /* NOPs */
		if (o->ip4_csum) {
			uint32_t sum = 0;

			for (i = ip_at; i + 1 < f->n; i += 2)
				sum += (uint32_t)(f->b[i] << 8 | f->b[i + 1]);
			dp_patch16(f, ip_at + 10, (uint16_t)~dp_csum_fold(sum));
		}
	}
	dp_u16(f, sport);
	dp_u16(f, o->dport ? o->dport : 33333);
	if (o->tcp) {
		dp_u32(f, 1000);
		dp_u32(f, 2000);
		dp_u16(f, 0x5018); /* data offset 5, PSH|ACK */
		dp_u16(f, 65535);
		dp_u32(f, 0);
		dp_u16(f, mlen + o->tcp_extra);
	} else {
		dp_u16(f, l4len);
		dp_u16(f, o->udp_csum);
	}
	dp_bytes(f, msg, mlen);
	if (l4_on_wire < l4len)
		f->n -= l4len - l4_on_wire;
	return f->n;
}

#endif
