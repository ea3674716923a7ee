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

/* Frame offsets are masked with this before direct packet access (frames are < 4 KiB). */
#define DW_FRAME_MASK 0xfff

/* The loop context every bpf_loop callback of the data plane gets. */
struct dw_loopctx {
	struct dw_scratch *s;
};

static __always_inline long dw_qfail(struct dw_qstate *q)
{
	q->err = 1;
	return 1; /* stop the loop */
}

/* One word of a label into the key: 8 bytes ending at p, lower-cased, to end at z. */
static __always_inline void dw_key_word(struct dw_scratch *s, __u32 z, __u32 p)
{
	*dw_word(&s->zb[(z - 8) & DW_ZB_MASK]) = dw_lower8(dw_ld64(s, p - 8));
}

/*
 * One label of the question name, read from its copy in the scratch (frame
 * offsets, masked): checks it and writes it into the zone key. The key
 * (labels reversed, each followed by 0) is written right-aligned so each
 * label's place is known when it is read: a label at name offset o with
 * length c lands at [E - o - c - 1, E - o), E = DW_ZB_END. Words are stored
 * from the label's end backwards, so their spill runs left, into the place
 * of labels read later (or before the key), which overwrite it.
 */
static long dw_qlabel_step(__u32 i, void *vctx)
{
	struct dw_scratch *s = ((struct dw_loopctx *)vctx)->s;
	struct dw_qstate *q = &s->qs;
	__u32 pos = q->pos, c, end, zend;

	if (pos >= q->lim)
		return dw_qfail(q);
	c = dw_ld8(s, pos);
	if (c & 0xc0)
		return dw_qfail(q); /* the question is never compressed (dw_digest.h) */
	q->total += c + 1;
	if (q->total > DW_NAME_MAX)
		return dw_qfail(q);
	if (c == 0) {
		s->q_end = pos + 1;
		s->q_keylen = q->total - 1;
		q->done = 1;
		return 1;
	}
	end = pos + 1 + c;
	if (end > q->lim)
		return dw_qfail(q);
	zend = DW_ZB_END - (pos - q->qoff) - 1; /* this label's 0 byte */
	s->zb[zend & DW_ZB_MASK] = 0;
	/* Up to 8 words, as plain branches: one path per label length class. */
	dw_key_word(s, zend, end);
	if (c > 8)
		dw_key_word(s, zend - 8, end - 8);
	if (c > 16)
		dw_key_word(s, zend - 16, end - 16);
	if (c > 24)
		dw_key_word(s, zend - 24, end - 24);
	if (c > 32)
		dw_key_word(s, zend - 32, end - 32);
	if (c > 40)
		dw_key_word(s, zend - 40, end - 40);
	if (c > 48)
		dw_key_word(s, zend - 48, end - 48);
	if (c > 56)
		dw_key_word(s, zend - 56, end - 56);
	q->pos = end;
	return 0;
}

/* Question bytes copied for the walk: the longest name and its type and class. */
#define DW_QCOPY_MAX 512

/*
 * Walks the question name at frame offset qoff (lim: first byte past the
 * message bytes present) and builds its zone-map key in the same pass. The
 * name is first copied into the scratch at its frame offset (one helper
 * call), so the walk reads masked scratch offsets instead of checking packet
 * bounds per byte, and bpf_loop gives one callback per label: the verifier
 * checks the callback, not 128 unrolled iterations. A question beyond the
 * first DW_PUNT_PKT_MAX bytes of the frame cannot be copied and is
 * malformed to the callers. Results go to s->q_end and s->q_keylen. Returns
 * 0, or -1 if malformed.
 */
static __always_inline int dw_question(void *ctx, int xdp, struct dw_scratch *s, __u32 qoff,
				       __u32 lim)
{
	struct dw_loopctx lc = {.s = s};
	__u64 n;
	long err;

	if (qoff >= lim || qoff >= DW_PUNT_PKT_MAX)
		return -1;
	n = lim - qoff;
	if (n > DW_NAME_MAX + 4)
		n = DW_NAME_MAX + 4;
	if (qoff + n > DW_PUNT_PKT_MAX)
		n = DW_PUNT_PKT_MAX - qoff;
	n = dw_copy_len(n, DW_QCOPY_MAX);
	dw_hide(qoff); /* keep the mask: the checks above do not reach the copy's register */
	qoff &= DW_PKT_MASK;
	if (xdp)
		err = bpf_xdp_load_bytes(ctx, qoff, &s->punt.pkt[qoff], n);
	else
		err = bpf_skb_load_bytes(ctx, qoff, &s->punt.pkt[qoff], n);
	if (err)
		return -1;
	s->qs.pos = qoff;
	s->qs.qoff = qoff;
	s->qs.lim = qoff + n;
	s->qs.total = 0;
	s->qs.done = 0;
	s->qs.err = 0;
	bpf_loop(DW_LABELS_MAX + 1, dw_qlabel_step, &lc, 0);
	return s->qs.done && !s->qs.err ? 0 : -1;
}

/*
 * The walk as one global function per hook: the verifier checks it once, on
 * its own, instead of once for every way the header parse can reach it.
 * dns_off: the message's frame offset; lim: the first byte past the message
 * bytes present. Checks QDCOUNT == 1 and walks the question name. Results go
 * to s->q_end and s->q_keylen. Returns 0, or -1 if malformed.
 */
#define DW_QUESTION_FN(name, ctx_type, is_xdp)                                                     \
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
		return dw_question(ctx, is_xdp, s, dns_off + DW_DNS_HDR_LEN, lim);                 \
	}

DW_QUESTION_FN(dw_question_xdp, struct xdp_md, 1)
DW_QUESTION_FN(dw_question_tc, struct __sk_buff, 0)

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
