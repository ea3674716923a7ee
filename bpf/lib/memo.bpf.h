/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * memo.bpf.h: the per-CPU memo of recent messages (struct dw_memo). A reply
 * with an ALLOW or DENY verdict is kept byte for byte, with a mask that lets
 * only its ID and TTLs differ; an unprotected reply keeps its header's
 * QDCOUNT and its question name. A later UDP message whose bytes match an
 * entry under the mask is decided at once: every byte the question walk, the
 * zone lookup and the digest read is the same, so they would decide the
 * same (the comparison is stricter than the digest: case, OPT and order
 * count). Entries are trusted only under the generation they were filled
 * in (dw_datapath_cfg.memo_gen, bumped by the daemon when it deletes or
 * replaces a verdict and with every policy) and, for a reply, until its
 * verdict expires. A verdict the LRU evicts stays usable here until its own
 * expiry, as it would have in the LRU. One slot per hash of the question's
 * first 16 bytes: a collision only costs the slow path.
 */
#ifndef DW_MEMO_BPF_H
#define DW_MEMO_BPF_H

#include "lib/dnsname.bpf.h"
#include "lib/verdict.bpf.h"

#define DW_MEMO_NONE 0xffffffffu
#define DW_MEMO_MIN  (DW_DNS_HDR_LEN + 16) /* the slot hash reads bytes 12..27 */

enum {
	DW_MEMO_EMPTY = 0,
	DW_MEMO_REPLY = 1,	 /* a whole reply and its verdict */
	DW_MEMO_UNPROTECTED = 2, /* a question name outside every protected zone */
};

/* What a lookup decided (0: nothing, take the slow path). */
enum {
	DW_MEMO_HIT_ALLOW = 1,
	DW_MEMO_HIT_DENY,
	DW_MEMO_HIT_UNPROTECTED,
};

/*
 * Set before load by the bench only, to measure a reply's first sight:
 * DW_MEMO_MODE_FILL looks its slot up and keeps messages but never trusts
 * them (every lookup misses, as the slot held another message),
 * DW_MEMO_MODE_OFF neither looks up nor keeps. The verifier drops
 * the code of the modes not chosen.
 */
#define DW_MEMO_MODE_ON	  0
#define DW_MEMO_MODE_OFF  1
#define DW_MEMO_MODE_FILL 2
const volatile __u32 dw_memo_mode = DW_MEMO_MODE_ON;

static __always_inline __u32 dw_memo_slot(__u64 w1, __u64 w2)
{
	__u64 h = (w1 ^ ((w2 << 29) | (w2 >> 35))) * 0x9e3779b97f4a7c15ULL;

	return (h >> 40) & (DW_MEMO_SLOTS - 1);
}

/*
 * Message offset of the last 8 of n bytes, bounded where the verifier sees
 * it (0 for an n out of range, which callers exclude). 64 bits: a
 * zero-extended copy of a 32-bit value loses the bound learned on it.
 */
static __always_inline __u64 dw_memo_tail(__u64 n)
{
	__u64 off = n - 8;

	dw_hide(off);
	return off > DW_MEMO_BYTES - 8 ? 0 : off;
}

/* The packet's 8 bytes at message offset off, or NULL past its end. */
static __always_inline __u64 *dw_msg_word(void *data, void *data_end, __u32 dns_off, __u64 off)
{
	__u8 *p = data + ((dns_off + off) & DW_FRAME_MASK);

	return (void *)(p + 8) > data_end ? NULL : (__u64 *)p;
}

/* Word w of the packet equals the one at off of e where e's mask says so. */
static __always_inline int dw_memo_eq(struct dw_memo *e, __u64 off, const __u64 *w)
{
	return w && !((*w ^ *dw_word(&e->b[off])) & *dw_word(&e->m[off]));
}

/*
 * The n (13..DW_MEMO_BYTES) bytes at dns_off equal e's where e's mask says
 * so: word by word, the last word ending at n (overlapping the one before
 * when n is not a multiple of 8).
 */
static __always_inline int dw_memo_same(struct dw_memo *e, void *data, void *data_end,
					__u32 dns_off, __u64 n)
{
	__u64 off, t;
	__u32 i;

	for (i = 0; i < DW_MEMO_BYTES / 8; i++) {
		off = i * 8;
		if (off + 8 > n)
			break;
		if (!dw_memo_eq(e, off, dw_msg_word(data, data_end, dns_off, off)))
			return 0;
	}
	if (!(n & 7))
		return 1;
	t = dw_memo_tail(n);
	return dw_memo_eq(e, t, dw_msg_word(data, data_end, dns_off, t));
}

/*
 * The largest TTL of the message at dns_off, read at e's TTL fields (each
 * 4 bytes inside the e->n bytes matched): the 8 bytes ending with it.
 */
static __always_inline __u32 dw_memo_max_ttl(struct dw_memo *e, void *data, void *data_end,
					     __u32 dns_off)
{
	__u32 k, max = 0, t;
	__u64 off, *w;

	for (k = 0; k < DW_MEMO_TTLS; k++) {
		if (k >= e->nttl)
			break;
		if (e->ttl_opt & (1u << k))
			continue;
		off = e->ttl_off[k];
		if (off < 4 || off + 4 > e->n)
			return ~0u;
		w = dw_msg_word(data, data_end, dns_off, off - 4);
		if (!w)
			return ~0u;
		t = bpf_ntohl((__u32)(*w >> 32));
		if (t > max)
			max = t;
	}
	return max;
}

/* Entry e (of the current generation) for the message at dns_off: DW_MEMO_HIT_* or 0. */
static __always_inline int dw_memo_match(struct dw_memo *e, void *data, void *data_end,
					 __u32 dns_off, __u32 dns_len)
{
	__u32 n = e->n;

	if (n < DW_DNS_HDR_LEN + 1 || n > DW_MEMO_BYTES)
		return 0;
	if (e->kind == DW_MEMO_REPLY) {
		if (n != dns_len)
			return 0;
	} else if (e->kind != DW_MEMO_UNPROTECTED || n > dns_len) {
		return 0;
	}
	if (!dw_memo_same(e, data, data_end, dns_off, n))
		return 0;
	if (e->kind == DW_MEMO_UNPROTECTED)
		return DW_MEMO_HIT_UNPROTECTED;
	if (e->verdict == DW_VERDICT_ALLOW)
		return DW_MEMO_HIT_ALLOW;
	return e->verdict == DW_VERDICT_DENY ? DW_MEMO_HIT_DENY : 0;
}

/*
 * The message at dns_off, dns_len bytes all present, against its slot.
 * Returns DW_MEMO_HIT_* or 0, and notes in s->mn where a fill after the slow
 * path may go: a free or stale slot, or one whose message was not matched
 * since another last missed it (a second chance, as in CLOCK: a message
 * seen once does not push out one seen again and again).
 */
static __always_inline int dw_memo_find(struct dw_scratch *s, void *data, void *data_end,
					__u32 dns_off, __u32 dns_len, __u32 gen)
{
	__u8 *q = data + ((dns_off + DW_DNS_HDR_LEN) & DW_FRAME_MASK);
	struct dw_memo *e;
	__u32 slot;
	int hit;

	if ((void *)(q + 16) > data_end)
		return 0;
	slot = dw_memo_slot(*(__u64 *)q, *(__u64 *)(q + 8));
	s->mn.slot = slot;
	s->mn.gen = gen;
	e = bpf_map_lookup_elem(&dw_memo_map, &slot);
	if (!e || dw_memo_mode == DW_MEMO_MODE_FILL || e->gen != gen || e->kind == DW_MEMO_EMPTY)
		return 0;
	if (e->kind == DW_MEMO_REPLY && e->expires_ns && dw_tick_now(s) >= e->expires_ns)
		return 0;
	hit = dw_memo_match(e, data, data_end, dns_off, dns_len);
	if (hit == DW_MEMO_HIT_ALLOW &&
	    !dw_ttl_within(dw_memo_max_ttl(e, data, data_end, dns_off), e->expires_ns, e->ttl_over,
			   dw_tick_now(s))) {
		return 0; /* the full path judges it and counts ttl_exceeded */
	}
	if (hit) {
		if (!e->hot)
			e->hot = 1;
		return hit;
	}
	if (e->hot) {
		e->hot = 0;
		s->mn.slot = DW_MEMO_NONE;
	}
	return 0;
}

/* Clears the mask of a fill (0xff over its n bytes) where bytes may differ. */
static __always_inline void dw_memo_mask(struct dw_memo *e, struct dw_scratch *s, __u32 n,
					 __u8 kind)
{
	__u32 k;

	if (kind == DW_MEMO_UNPROTECTED) {
		/* Of the header only QDCOUNT counts (the parse checked QR). */
		*(__u64 *)&e->m[0] = 0x0000ffff00000000ULL; /* bytes 4 and 5 (little-endian) */
		*(__u32 *)&e->m[8] = 0;
		return;
	}
	e->m[0] = 0; /* the ID */
	e->m[1] = 0;
	for (k = 0; k < DW_MEMO_TTLS; k++) {
		__u64 t;
		__u8 *z;

		if (k >= s->ds.nttl)
			break;
		t = s->ds.ttl[k]; /* 64 bits: no zero-extended copy loses the bound */
		dw_hide(t);
		if (t + 4 > n || t > DW_MEMO_BYTES - 4)
			continue;
		z = &e->m[t];
		z[0] = 0;
		z[1] = 0;
		z[2] = 0;
		z[3] = 0;
	}
}

/*
 * The TTL fields of a reply, for the TTL check of a hit: copied whole (a
 * loop that picked entries would cost the verifier a state per pick), the
 * OPT's marked in ttl_opt.
 */
static __always_inline void dw_memo_ttls(struct dw_memo *e, struct dw_scratch *s)
{
	__builtin_memcpy(e->ttl_off, s->ds.ttl, sizeof(e->ttl_off));
	e->nttl = s->ds.nttl < DW_MEMO_TTLS ? s->ds.nttl : DW_MEMO_TTLS;
	e->ttl_opt = s->ds.ttl_opt;
}

/* Keeps packet word w at off of e, to match in full; -1 past the packet's end. */
static __always_inline int dw_memo_put(struct dw_memo *e, __u64 off, const __u64 *w)
{
	if (!w)
		return -1;
	*dw_word(&e->b[off]) = *w;
	*dw_word(&e->m[off]) = ~0ULL;
	return 0;
}

/*
 * Fills s->mn's slot with the message at dns_off, read in place (the word
 * loop costs less than a helper call). The entry is empty while it is
 * written, so no half-written entry ever matches.
 */
static __always_inline void dw_memo_fill(struct dw_scratch *s, void *data, void *data_end,
					 __u32 dns_off)
{
	__u32 slot = s->mn.slot, i;
	__u64 n = s->mn.n, off, t;
	struct dw_memo *e;

	if (n < DW_DNS_HDR_LEN + 1 || n > DW_MEMO_BYTES)
		return;
	e = bpf_map_lookup_elem(&dw_memo_map, &slot);
	if (!e)
		return;
	e->kind = DW_MEMO_EMPTY;
	for (i = 0; i < DW_MEMO_BYTES / 8; i++) {
		off = i * 8;
		if (off + 8 > n)
			break;
		if (dw_memo_put(e, off, dw_msg_word(data, data_end, dns_off, off)))
			return;
	}
	if (n & 7) {
		t = dw_memo_tail(n);
		if (dw_memo_put(e, t, dw_msg_word(data, data_end, dns_off, t)))
			return;
	}
	dw_memo_mask(e, s, n, s->mn.kind);
	dw_memo_ttls(e, s);
	e->gen = s->mn.gen;
	e->n = n;
	e->verdict = s->mn.verdict;
	e->expires_ns = s->mn.expires_ns;
	e->ttl_over = s->mn.ttl_over;
	e->hot = 0; /* it stays past the next miss only once it is matched */
	e->kind = s->mn.kind;
	dw_count(DW_CNT_MEMO_FILL);
}

/*
 * The memo's part of judging (before the question walk): a UDP message that
 * is whole, long enough and not fragmented is looked up. Returns a DW_ACT_*
 * when the memo decided, else -1 (s->mn tells a later fill where to go).
 */
static __always_inline int dw_memo_judge(void *ctx, int xdp, struct dw_scratch *s,
					 const struct dw_datapath_cfg *cfg,
					 const struct dw_hdrs *hp)
{
	int hit;

	s->mn.slot = DW_MEMO_NONE;
	if (dw_memo_mode == DW_MEMO_MODE_OFF || hp->l4 != DW_IPPROTO_UDP || hp->frag ||
	    hp->dns_len != hp->avail || hp->dns_len < DW_MEMO_MIN)
		return -1;
	/* In line: a global function's call and return cost more than its verification. */
	if (xdp)
		hit = dw_memo_find(s, (void *)(long)((struct xdp_md *)ctx)->data,
				   (void *)(long)((struct xdp_md *)ctx)->data_end, hp->dns_off,
				   hp->dns_len, cfg->memo_gen);
	else
		hit = dw_memo_find(s, (void *)(long)((struct __sk_buff *)ctx)->data,
				   (void *)(long)((struct __sk_buff *)ctx)->data_end, hp->dns_off,
				   hp->dns_len, cfg->memo_gen);
	if (!hit)
		return -1;
	dw_count(DW_CNT_MEMO_HIT);
	if (hit == DW_MEMO_HIT_ALLOW)
		return dw_pass(DW_CNT_ALLOWED);
	if (hit == DW_MEMO_HIT_DENY)
		return dw_drop(DW_CNT_DENIED);
	return dw_pass(DW_CNT_NOT_PROTECTED);
}

/* After the slow path decided: keep n bytes of the message with this outcome. */
static __always_inline void dw_memo_keep(void *ctx, int xdp, struct dw_scratch *s, __u32 dns_off,
					 __u32 n, __u8 kind, const struct dw_verdict *v)
{
	if (s->mn.slot == DW_MEMO_NONE || n > DW_MEMO_BYTES)
		return;
	/* A reply's TTLs past the mask's would have to match as kept, unchecked. */
	if (kind == DW_MEMO_REPLY && s->ds.nttl > DW_MEMO_TTLS)
		return;
	s->mn.n = n;
	s->mn.kind = kind;
	s->mn.verdict = v ? v->verdict : 0;
	s->mn.expires_ns = v ? v->expires_ns : 0;
	s->mn.ttl_over = v ? v->ttl_over : 0;
	if (xdp)
		dw_memo_fill(s, (void *)(long)((struct xdp_md *)ctx)->data,
			     (void *)(long)((struct xdp_md *)ctx)->data_end, dns_off);
	else
		dw_memo_fill(s, (void *)(long)((struct __sk_buff *)ctx)->data,
			     (void *)(long)((struct __sk_buff *)ctx)->data_end, dns_off);
}

#endif /* DW_MEMO_BPF_H */
