/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pkt_digest.h: the user-space reference of what the data plane computes on
 * a DNS reply: where the DNS message sits in a frame, the zone-map key of a
 * name, and the verdict-map key (include/dw_digest.h specifies the digest and
 * the parsing limits; the BPF side follows the same rules).
 */
#ifndef DW_PKT_DIGEST_H
#define DW_PKT_DIGEST_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "dnsward.h"

/* Return codes besides 0. */
#define PKT_EMALFORMED	(-EBADMSG) /* the message breaks a parsing rule */
#define PKT_ETOOCOMPLEX (-E2BIG)   /* a limit of dw_digest.h was exceeded */
#define PKT_ENOTDNS	(-ENOMSG)  /* pkt_locate_dns: the frame is not a DNS reply */

/*
 * The verdict-map key of the DNS message msg[0..len): digest over the
 * question and every RR (keyed by sipkey, dw_datapath_cfg.digest_key), qtype,
 * qclass and the header flags word. Returns 0, PKT_EMALFORMED or
 * PKT_ETOOCOMPLEX (never a key for a message the data plane would reject).
 */
int pkt_digest_key(const uint8_t *msg, size_t len, const uint64_t sipkey[2],
		   struct dw_verdict_key *out);

/*
 * One RR as the digest read it, for tests that hold it against another
 * parser: the owner name and every name of the rdata that the digest binds
 * decompressed (wire form, lower-cased), the other rdata bytes as they lie.
 */
#define PKT_RDATA_VIEW_MAX (DW_PUNT_PKT_MAX + 4 * 256)
struct pkt_rr_view {
	unsigned int section; /* DW_SEC_* (include/dw_digest.h) */
	uint16_t type, rclass;
	uint32_t ttl;
	uint8_t owner[256];
	size_t owner_len;
	uint8_t rdata[PKT_RDATA_VIEW_MAX];
	size_t rdata_len;
	size_t rd_off, rdlength; /* where the rdata lies in the message, as it lies */
};

typedef void (*pkt_rr_visit)(const struct pkt_rr_view *rr, void *arg);

/*
 * pkt_digest_key, and the largest TTL of the RRs it digested (the OPT record
 * left out) into *max_ttl when max_ttl is not NULL, and each digested RR in
 * message order to visit when visit is not NULL (the view is valid during
 * the call only). Same return codes.
 */
int pkt_digest_walk(const uint8_t *msg, size_t len, const uint64_t sipkey[2],
		    struct dw_verdict_key *out, uint32_t *max_ttl, pkt_rr_visit visit, void *arg);

/*
 * The zone-map key of a zone in presentation form ("idp.test", "idp.test.",
 * "." for the root; "\\." and "\\DDD" escapes stand for the label bytes they
 * name): labels in reverse order, lower-cased, each followed by a 0 byte,
 * which is what the data plane builds from a question name under the zone.
 * The daemon's loader writes the zones map with it. Returns 0 or -EINVAL.
 */
int pkt_zone_key(const char *zone, struct dw_zone_key *out);

/*
 * The zone-map key the data plane looks up for a message's question name
 * (the full name, reversed as above; the LPM trie finds the longest zone).
 * Returns 0, PKT_EMALFORMED or PKT_ETOOCOMPLEX.
 */
int pkt_qname_zone_key(const uint8_t *msg, size_t len, struct dw_zone_key *out);

/* Where the DNS message of a frame lies (offsets from the frame's first byte). */
struct pkt_loc {
	uint16_t l3_off;   /* IP header */
	uint16_t l4_off;   /* UDP or TCP header */
	uint16_t dns_off;  /* DNS message (after the 2-byte length for TCP) */
	uint16_t dns_len;  /* DNS message length (for TCP: as the length prefix says) */
	uint8_t l3;	   /* 4 or 6 */
	uint8_t l4;	   /* IPPROTO_UDP or IPPROTO_TCP */
	uint8_t vlans;	   /* VLAN tags skipped (0..2) */
	uint8_t frag;	   /* 1: first IP fragment (the message is incomplete) */
	uint8_t saddr[16]; /* source address, network order (IPv4 in the first 4) */
	uint16_t sport;	   /* host order */
};

/*
 * Finds the DNS reply (UDP or TCP from dns_port, QR set) in an Ethernet frame
 * with 0-2 VLAN tags, IPv4 (options) or IPv6 (hop-by-hop, routing, fragment,
 * destination options and AH headers). Returns 0, PKT_ENOTDNS or
 * PKT_EMALFORMED (truncated headers or lengths that lie).
 */
int pkt_locate_dns(const uint8_t *frame, size_t len, uint16_t dns_port, struct pkt_loc *loc);

/* SipHash-2-4-128 of a byte string (out[0], out[1]: the two 64-bit halves). */
void pkt_siphash128(const uint64_t key[2], const void *data, size_t len, uint64_t out[2]);
/* SipHash-2-4 with the 64-bit output, for the published test vectors. */
uint64_t pkt_siphash64(const uint64_t key[2], const void *data, size_t len);

#endif
