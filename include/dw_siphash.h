/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dw_siphash.h: SipHash-c-d with a 128-bit output, fed one 64-bit word at a
 * time: 2-4, the standard, and 1-3, the verdict-key digest's. Compiled by the
 * BPF data plane and by user space so both compute the digest with the same
 * primitive; user space adds byte-string input on top (pkt_siphash128) and
 * checks the core against the published 2-4 vectors.
 *
 * A word is the little-endian reading of 8 message bytes, so feeding words
 * w0..wn-1 equals SipHash over the 8n bytes they serialize to.
 */
#ifndef DW_SIPHASH_H
#define DW_SIPHASH_H

#ifdef __BPF__
#define DW_SIP_INLINE static __always_inline
#else
#include <linux/types.h>
#define DW_SIP_INLINE static inline
#endif

struct dw_sip {
	__u64 v0, v1, v2, v3;
	__u64 nbytes; /* bytes absorbed so far (the final block carries it mod 256) */
};

DW_SIP_INLINE __u64 dw_sip_rotl(__u64 x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

DW_SIP_INLINE void dw_sip_round(struct dw_sip *s)
{
	s->v0 += s->v1;
	s->v1 = dw_sip_rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = dw_sip_rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = dw_sip_rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = dw_sip_rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = dw_sip_rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = dw_sip_rotl(s->v2, 32);
}

/* out128: 1 for the 128-bit variant (the digest), 0 for the 64-bit one (test vectors). */
DW_SIP_INLINE void dw_sip_init(struct dw_sip *s, __u64 k0, __u64 k1, int out128)
{
	s->v0 = k0 ^ 0x736f6d6570736575ULL;
	s->v1 = k1 ^ 0x646f72616e646f6dULL;
	s->v2 = k0 ^ 0x6c7967656e657261ULL;
	s->v3 = k1 ^ 0x7465646279746573ULL;
	if (out128)
		s->v1 ^= 0xee;
	s->nbytes = 0;
}

/* n (0..4, a constant at every call site) rounds, unrolled without a loop. */
DW_SIP_INLINE void dw_sip_rounds(struct dw_sip *s, int n)
{
	if (n > 0)
		dw_sip_round(s);
	if (n > 1)
		dw_sip_round(s);
	if (n > 2)
		dw_sip_round(s);
	if (n > 3)
		dw_sip_round(s);
}

/* Absorbs one word with c compression rounds (SipHash-c-d). */
DW_SIP_INLINE void dw_sip_absorb(struct dw_sip *s, __u64 m, int c)
{
	s->v3 ^= m;
	dw_sip_rounds(s, c);
	s->v0 ^= m;
	s->nbytes += 8;
}

/*
 * Final block with c compression and d finalization rounds: tail holds the
 * 0..7 bytes after the last whole word (already counted in nbytes),
 * little-endian; out[0] and out[1] are the two halves of the 128-bit result
 * (out[1] is unused by the 64-bit variant).
 */
DW_SIP_INLINE void dw_sip_finish(struct dw_sip *s, __u64 tail, int out128, __u64 *out, int c, int d)
{
	__u64 b = (s->nbytes << 56) | tail;

	s->v3 ^= b;
	dw_sip_rounds(s, c);
	s->v0 ^= b;
	s->v2 ^= out128 ? 0xee : 0xff;
	dw_sip_rounds(s, d);
	out[0] = s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
	if (!out128)
		return;
	s->v1 ^= 0xdd;
	dw_sip_rounds(s, d);
	out[1] = s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/* SipHash-2-4, the standard parameters (checked against the published vectors). */
DW_SIP_INLINE void dw_sip_word(struct dw_sip *s, __u64 m)
{
	dw_sip_absorb(s, m, 2);
}

DW_SIP_INLINE void dw_sip_final(struct dw_sip *s, __u64 tail, int out128, __u64 *out)
{
	dw_sip_finish(s, tail, out128, out, 2, 4);
}

/* SipHash-1-3, the digest's parameters (include/dw_digest.h). */
DW_SIP_INLINE void dw_sip13_word(struct dw_sip *s, __u64 m)
{
	dw_sip_absorb(s, m, 1);
}

DW_SIP_INLINE void dw_sip13_final(struct dw_sip *s, __u64 tail, int out128, __u64 *out)
{
	dw_sip_finish(s, tail, out128, out, 1, 3);
}

#endif /* DW_SIPHASH_H */
