/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dw_digest.h: the specification of the verdict-key digest and the parsing
 * limits the BPF data plane and the user-space reference (user/common/pkt_digest.c)
 * share. Both sides implement it independently; tests/bpf/test_digest_diff.c
 * proves they agree.
 *
 * Every hash is SipHash-1-3 with a 128-bit output (dw_siphash.h), keyed by
 * dw_datapath_cfg.digest_key, over a sequence of 64-bit little-endian words:
 *
 *   N(name)  the decompressed name's wire bytes in order (each label's length
 *            octet and its bytes lower-cased, ASCII A-Z only, then the root's
 *            0 octet) as one byte string, zero-padded to a multiple of 8.
 *   C(bytes) one word holding the byte count, then the bytes zero-padded to a
 *            multiple of 8 (a count of 0 is the count word alone).
 *   NH(name) the name's hash: SipHash-128 of word(DW_DIGEST_TAG) | N(name).
 *            An owner or rdata name enters its RR as word(NH(name)[0]), so a
 *            name costs one word however it is compressed, and a name that is
 *            the question name (a pointer to offset 12, the usual owner) reuses
 *            the question's hash.
 *
 *   E(Q)     NH(qname), both halves.
 *   E(RR)    SipHash-128 of
 *              word(section << 32 | type << 16 | class) | word(NH(owner)[0]) |
 *              R(rdata)
 *            section: 1 answer, 2 authority, 3 additional. R(rdata) follows
 *            dw_rdata_layout(type): with no embedded names C(rdata); else
 *            C(first `pre` bytes) when pre > 0, word(NH(name)[0]) for each
 *            embedded name, then C(rest of the rdata). pre of NAPTR is
 *            4 + the three strings with their length octets, of HIP
 *            4 + HIT length + public key length.
 *            TTLs are never read into the digest; an OPT RR (type 41) in the
 *            additional section is skipped entirely.
 *   digest   digest[0] = sum of E[0], digest[1] = sum of E[1], mod 2^64, over
 *            E(Q) and every E(RR): a multiset, so RR order does not matter,
 *            and the element hashes are keyed PRF outputs, so without the key
 *            a forger cannot pick RRs whose sum matches (DW_DIGEST_TAG words
 *            never equal a section/type/class word: the two uses are apart).
 *
 * The message ID and the TTLs are left out; the header's second 16-bit word
 * (flags and RCODE), qtype and qclass are not hashed but stored in
 * dw_verdict_key. SipHash-1-3 rather than 2-4: each element is short, the
 * finalisation dominates, and 1-3 keeps the per-packet cost of a verdict hit
 * low; the key is secret and the output is never shown to a forger.
 *
 * Parsing rules (both sides, in this order):
 *   - the message is at least 12 bytes (malformed) and at most DW_DNS_MSG_MAX
 *     (too complex); QDCOUNT is 1 (malformed);
 *   - a name is labels of 1..63 bytes ending in a 0 octet; label types 01 and
 *     10 are malformed; the decompressed wire length (length octets and the
 *     root included) is at most 255;
 *   - a compression pointer must point at or after offset 12 and strictly
 *     before the start of the run of labels it ends (the name's start, or the
 *     previous pointer's target): targets strictly decrease, so a loop is
 *     malformed rather than merely long; more than DW_NAME_PTRS_MAX pointers
 *     in one name is too complex (a question name therefore cannot be
 *     compressed);
 *   - ANCOUNT + NSCOUNT + ARCOUNT above DW_DIGEST_RRS_MAX is too complex
 *     (checked after the question);
 *   - every RR's fixed fields and rdata lie inside the message (counts that
 *     lie are malformed); an embedded name starts inside its rdata and its
 *     in-place bytes end inside it; rdata shorter than `pre` (a NAPTR
 *     string or a HIP length that runs past the rdata) is malformed; rdata
 *     that goes on after its names where DW_RD_TAIL_EMPTY says it ends there,
 *     or with other than 20 bytes after SOA's names, is malformed; so is a
 *     TKEY or TSIG record (dw_rdata_layout() returns -1); HIP rdata
 *     with more than DW_RDATA_NAMES_MAX names is too complex;
 *   - bytes after the last RR are ignored.
 */
#ifndef DW_DIGEST_H
#define DW_DIGEST_H

#ifdef __BPF__
#define DW_DIGEST_INLINE static __always_inline
#else
#include <linux/types.h>
#define DW_DIGEST_INLINE static inline
#endif

#include "dnsward.h"

/* Domain separation and version of the digest ("dnsward2" little-endian). */
#define DW_DIGEST_TAG 0x3264726177736e64ULL

#define DW_DNS_HDR_LEN 12
/* Largest message digested: what a punt record can carry. */
#define DW_DNS_MSG_MAX DW_PUNT_PKT_MAX
/* RRs (answer + authority + additional) digested per reply; more is too complex. */
#define DW_DIGEST_RRS_MAX 64
/* Compression pointers followed per name; more is too complex. */
#define DW_NAME_PTRS_MAX 16
/* Steps (labels plus pointers) a name walk can take: 127 labels + root + pointers. */
#define DW_NAME_STEPS_MAX (DW_LABELS_MAX + 1 + DW_NAME_PTRS_MAX)

#define DW_SEC_ANSWER	  1
#define DW_SEC_AUTHORITY  2
#define DW_SEC_ADDITIONAL 3

#define DW_TYPE_OPT 41

/* A name that is one compression pointer to the question name. */
#define DW_QNAME_PTR 0xc00c

/* Outcomes of a digest attempt (the BPF side; user space returns -errno). */
#define DW_DIGEST_OK	      0
#define DW_DIGEST_MALFORMED   1
#define DW_DIGEST_TOO_COMPLEX 2

/* dw_rdata_layout() flags. */
#define DW_RD_TAIL_EMPTY   0x01 /* the rdata ends where its last name ends */
#define DW_RD_TAIL_SOA	   0x02 /* exactly five 32-bit fields follow the names */
#define DW_RD_NAMES_TO_END 0x04 /* 0..DW_RDATA_NAMES_MAX names fill the rest (HIP) */
#define DW_RD_PRE_NAPTR	   0x08 /* pre: 4 bytes and three <character-string>s */
#define DW_RD_PRE_HIP	   0x10 /* pre: 4 bytes, the HIT and the public key */

/* Names digested in one rdata; a HIP RR with more rendezvous servers is too complex. */
#define DW_RDATA_NAMES_MAX 4
/* The fixed fields after SOA's two names. */
#define DW_SOA_TAIL 20

/*
 * The rdata layout of every type whose rdata holds a domain name that a
 * client library decompresses: the types of RFC 1035 and those RFC 3597
 * section 4 allows to be decompressed, and every type whose names ldns
 * reads as names (NAPTR, SVCB, HTTPS, HIP, TALINK, LP, NXT; DNAME,
 * NSEC, RRSIG and SIG too). Such names are digested decompressed wherever
 * their bytes lie, so a pointer into bytes the digest leaves out (the OPT
 * record, the bytes after the last RR) still binds the name a client reads.
 * Layout: `pre` raw bytes (or a length computed from the rdata, flags
 * DW_RD_PRE_*), then `nnames` names, then raw bytes, constrained by the
 * DW_RD_TAIL_* flags: where ldns's field list ends with the names, bytes
 * after them would make ldns read the rest as the next RR, so they are
 * malformed. Returns nnames, 0 for rdata digested raw, -1 for the
 * transaction meta-types TKEY and TSIG, whose name is followed by fields
 * that ldns reads by their own lengths: a reply carrying one is malformed.
 */
DW_DIGEST_INLINE int dw_rdata_layout(__u16 type, __u16 *pre, __u16 *flags)
{
	*pre = 0;
	*flags = DW_RD_TAIL_EMPTY;
	switch (type) {
	case 2:	 /* NS */
	case 3:	 /* MD */
	case 4:	 /* MF */
	case 5:	 /* CNAME */
	case 7:	 /* MB */
	case 8:	 /* MG */
	case 9:	 /* MR */
	case 12: /* PTR */
	case 39: /* DNAME */
		return 1;
	case 30: /* NXT: next name, then the type bitmap */
	case 47: /* NSEC: next owner name, then the type bitmaps */
		*flags = 0;
		return 1;
	case 249: /* TKEY */
	case 250: /* TSIG: transaction meta-records, never data a stub acts on */
		return -1;
	case 6: /* SOA: MNAME, RNAME, then five 32-bit fields */
		*flags = DW_RD_TAIL_SOA;
		return 2;
	case 14: /* MINFO */
	case 17: /* RP */
	case 58: /* TALINK */
		return 2;
	case 15:  /* MX */
	case 18:  /* AFSDB */
	case 21:  /* RT */
	case 36:  /* KX */
	case 107: /* LP */
		*pre = 2;
		return 1;
	case 26: /* PX */
		*pre = 2;
		return 2;
	case 33: /* SRV */
		*pre = 6;
		return 1;
	case 24: /* SIG */
	case 46: /* RRSIG: signer's name after 18 fixed bytes */
		*pre = 18;
		*flags = 0;
		return 1;
	case 64: /* SVCB: priority, TargetName, then the parameters */
	case 65: /* HTTPS */
		*pre = 2;
		*flags = 0;
		return 1;
	case 35: /* NAPTR: order, preference, flags, services, regexp, replacement */
		*flags = DW_RD_TAIL_EMPTY | DW_RD_PRE_NAPTR;
		return 1;
	case 55: /* HIP: HIT and key lengths, algorithm, HIT, key, rendezvous servers */
		*flags = DW_RD_TAIL_EMPTY | DW_RD_PRE_HIP | DW_RD_NAMES_TO_END;
		return DW_RDATA_NAMES_MAX;
	default:
		return 0;
	}
}

#endif /* DW_DIGEST_H */
