/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dnsname.bpf.h: reading the copied frame (masked offsets into the per-CPU
 * scratch), word-at-a-time lower-casing, and the question name: its labels
 * and the zone-map key built from them (labels reversed, each followed by 0).
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

/* 8 bytes, little-endian (the BPF target is the host's order; x86 and arm64 are LE). */
static __always_inline __u64 dw_ld64(struct dw_scratch *s, __u32 off)
{
	return *(__u64 *)&s->punt.pkt[off & DW_PKT_MASK];
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
/* Hides a value's origin from the compiler, so range checks it would fold stay. */
#define dw_hide(x) asm volatile("" : "+r"(x))

/* One label of the question (a bpf_loop callback; state in the scratch). */
static long dw_question_step(__u32 i, void *vctx)
{
	struct dw_scratch *s = *(struct dw_scratch **)vctx;
	__u32 pos = s->q_pos, c, zend, nw, k;

	if (pos >= s->q_lim)
		return 1;
	c = dw_ld8(s, pos);
	if (c & 0xc0)
		return 1;
	s->q_total += c + 1;
	if (s->q_total > DW_NAME_MAX)
		return 1;
	if (c == 0) {
		s->q_end = pos + 1;
		s->q_keylen = s->q_total - 1;
		s->q_ok = 1;
		return 1;
	}
	if (pos + 1 + c > s->q_lim)
		return 1;
	zend = DW_ZB_END - (pos - s->q_start) - 1; /* this label's 0 byte */
	s->zb[zend & DW_ZB_MASK] = 0;
	nw = (c + 7) >> 3;
	for (k = 0; k < 8; k++) {
		if (k >= nw)
			break;
		*(__u64 *)&s->zb[(zend - 8 - k * 8) & DW_ZB_MASK] =
		    dw_lower8(dw_ld64(s, pos + 1 + c - 8 - k * 8));
	}
	s->q_pos = pos + 1 + c;
	return 0;
}

/*
 * Walks the question name at frame offset qoff (lim: first byte past the
 * message bytes present) and builds its zone-map key in the same pass. The
 * key (labels reversed, each followed by 0) is written right-aligned so each
 * label's place is known when it is read: label i, at name offset o with
 * length c, lands at [E - o - c - 1, E - o), E = DW_ZB_END. Words are stored
 * from the label's end backwards, so their spill runs left, into the place of
 * labels read later (or the prefixlen field), which overwrite it. The question
 * cannot be compressed (dw_digest.h). Results go to s->q_end and s->q_keylen.
 * One bpf_loop step per label (5.17+). Returns 0, or -1 if malformed.
 */
static __always_inline int dw_question(struct dw_scratch *s, __u32 qoff, __u32 lim)
{
	struct dw_scratch *ctx = s;

	s->q_pos = qoff;
	s->q_start = qoff;
	s->q_lim = lim;
	s->q_total = 0;
	s->q_ok = 0;
	bpf_loop(DW_LABELS_MAX + 1, dw_question_step, &ctx, 0);
	return s->q_ok ? 0 : -1;
}

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
