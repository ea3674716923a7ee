/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dnsname.bpf.h: reading the copied frame (masked offsets into the per-CPU
 * scratch), word-at-a-time lower-casing, and the question name read from the
 * packet: its labels and the zone-map key built from them (labels reversed,
 * each followed by 0).
 */
#ifndef DW_DNSNAME_BPF_H
#define DW_DNSNAME_BPF_H

#include "lib/maps.bpf.h"

#define DW_PKT_MASK (DW_PUNT_PKT_MAX - 1)

static __always_inline __u8 dw_ld8(struct dw_scratch *s, __u32 off)
{
	return s->punt.pkt[off & DW_PKT_MASK];
}

static __always_inline __u16 dw_ld16(struct dw_scratch *s, __u32 off)
{
	return ((__u16)dw_ld8(s, off) << 8) | dw_ld8(s, off + 1);
}

/* Hides a value's origin from the compiler, so range checks it would fold stay. */
#define dw_hide(x) asm volatile("" : "+r"(x))

/*
 * The 8 bytes at p as one word access. Clang gives an access through a
 * pointer taken from a byte array that array's alignment (1) and splits it
 * into 8 byte accesses and 14 shifts and ors; hiding the pointer's origin
 * keeps it one instruction. x86 and arm64 allow unaligned accesses and the
 * verifier asks for alignment only where they are not allowed.
 */
static __always_inline __u64 *dw_word(void *p)
{
	dw_hide(p);
	return p;
}

/* 8 bytes, little-endian (the BPF target is the host's order; x86 and arm64 are LE). */
static __always_inline __u64 dw_ld64(struct dw_scratch *s, __u32 off)
{
	return *dw_word(&s->punt.pkt[off & DW_PKT_MASK]);
}

/* Keeps the first n (1..8) bytes of a little-endian word. */
static __always_inline __u64 dw_keep(__u64 w, __u32 n)
{
	return n >= 8 ? w : w & ((1ULL << (n * 8)) - 1);
}

/* ASCII A-Z to a-z in all 8 bytes at once; bytes >= 0x80 are left alone. */
static __always_inline __u64 dw_lower8(__u64 w)
{
	__u64 h = w & 0x7f7f7f7f7f7f7f7fULL;
	__u64 ge_a = h + 0x3f3f3f3f3f3f3f3fULL; /* high bit: byte >= 'A' */
	__u64 gt_z = h + 0x2525252525252525ULL; /* high bit: byte > 'Z' */

	return w | (((ge_a & ~gt_z & ~w) & 0x8080808080808080ULL) >> 2);
}

/* Makes the compiler re-read memory, so the verifier sees fresh, imprecise values. */
#define dw_barrier() asm volatile("" ::: "memory")
/*
 * Unlinks a 64-bit value from the register it was copied from (an ALU
 * instruction the verifier cannot see through), so bounds a loop learns on
 * it do not narrow the original: paths that leave the loop at different
 * steps then reach the same state and are pruned.
 */
#define dw_unlink(x) asm volatile("%[v] &= 0xffff" : [v] "+r"(x))

/* Frame offsets are masked with this before direct packet access (frames are < 4 KiB). */
#define DW_FRAME_MASK 0xfff

/*
 * Walks the question name at frame offset qoff straight from the packet
 * (lim: first byte past the message bytes present, at most data_end) and
 * builds its zone-map key in the same pass, so an unprotected reply is never
 * copied. The key (labels reversed, each followed by 0) is written
 * right-aligned so each label's place is known when it is read: label i, at
 * name offset o with length c, lands at [E - o - c - 1, E - o), E =
 * DW_ZB_END. Words are stored from the label's end backwards, so their spill
 * runs left, into the place of labels read later (or the prefixlen field),
 * which overwrite it; the first word read starts at most 7 bytes before the
 * label, never before the frame. The question cannot be compressed
 * (dw_digest.h). A plain bounded loop: the label count bounds it.
 * Results go to s->q_end and s->q_keylen. Returns 0, or -1 if malformed.
 */
static __always_inline int dw_question(struct dw_scratch *s, void *data, void *data_end, __u32 qoff,
				       __u32 lim)
{
	__u32 pos = qoff, total = 0, i, c, zend, k, off;
	__u64 nw, end;
	__u8 *p;

	for (i = 0; i < DW_LABELS_MAX + 1; i++) {
		if (pos >= lim)
			return -1;
		p = data + (pos & DW_FRAME_MASK);
		if ((void *)(p + 1) > data_end)
			return -1;
		c = *p;
		if (c & 0xc0)
			return -1;
		total += c + 1;
		if (total > DW_NAME_MAX)
			return -1;
		if (c == 0) {
			s->q_end = pos + 1;
			s->q_keylen = total - 1;
			return 0;
		}
		if (pos + 1 + c > lim)
			return -1;
		zend = DW_ZB_END - (pos - qoff) - 1; /* this label's 0 byte */
		s->zb[zend & DW_ZB_MASK] = 0;
		nw = c;
		end = pos + 1 + c;
		dw_unlink(nw);
		dw_unlink(end);
		nw = (nw + 7) >> 3;
		for (k = 0; k < 8; k++) {
			if (k >= nw)
				break;
			off = (end - 8 - k * 8) & DW_FRAME_MASK;
			p = data + off;
			if ((void *)(p + 8) > data_end)
				return -1;
			*dw_word(&s->zb[(zend - 8 - k * 8) & DW_ZB_MASK]) = dw_lower8(*(__u64 *)p);
		}
		pos += 1 + c;
	}
	return -1;
}

/*
 * The walk as one global function per hook: the verifier checks it once, on
 * its own, instead of once for every way the header parse can reach it.
 * dns_off: the message's frame offset; lim: the first byte past the message
 * bytes present. Checks QDCOUNT == 1 and walks the question name. Results go
 * to s->q_end and s->q_keylen. Returns 0, or -1 if malformed.
 */
#define DW_QUESTION_FN(name, ctx_type)                                                             \
	__noinline int name(ctx_type *ctx, struct dw_scratch *s, __u32 dns_off, __u32 lim)         \
	{                                                                                          \
		void *data = (void *)(long)ctx->data;                                              \
		void *data_end = (void *)(long)ctx->data_end;                                      \
		__u8 *qd = data + ((dns_off + 4) & DW_FRAME_MASK);                                 \
                                                                                                   \
		if (!s || (void *)(qd + 2) > data_end || qd[0] || qd[1] != 1)                      \
			return -1; /* QDCOUNT must be 1 */                                         \
		if (lim > data_end - data)                                                         \
			lim = data_end - data;                                                     \
		return dw_question(s, data, data_end, dns_off + DW_DNS_HDR_LEN, lim);              \
	}

DW_QUESTION_FN(dw_question_xdp, struct xdp_md)
DW_QUESTION_FN(dw_question_tc, struct __sk_buff)

/* The zone-map key dw_question() built: prefixlen just before the key bytes. */
static __always_inline struct dw_zone_key *dw_zone_key(struct dw_scratch *s)
{
	__u32 keylen = s->q_keylen & 0xff, at = DW_ZB_END - 4 - keylen;
	struct dw_zone_key *zk;

	dw_hide(at); /* keep the mask: the verifier needs a non-negative offset */
	at &= DW_ZB_MASK;
	zk = (void *)&s->zb[at];
	zk->prefixlen = keylen * 8;
	return zk;
}

#endif /* DW_DNSNAME_BPF_H */
