/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * digest.bpf.h: the verdict-key digest of include/dw_digest.h over the DNS
 * message in the scratch frame. The walk is driven by bpf_loop (5.17+): one
 * callback per RR, per name step (a label or a pointer) and per raw word
 * beyond the first two, so the verifier checks each callback once instead of
 * unrolling nested loops; the walk's state lives in the scratch so callbacks
 * share it. Every call costs on the hot path, so the common shapes take none:
 * an owner that points at the question reuses the question's name hash, and
 * rdata of up to 16 bytes is absorbed in line.
 */
#ifndef DW_DIGEST_BPF_H
#define DW_DIGEST_BPF_H

#include "lib/dnsname.bpf.h"

static __always_inline long dw_derr(struct dw_dstate *d, __u32 err)
{
	d->err = err;
	return 1; /* stop the loop */
}

/*
 * N(name) is a byte stream: the label bytes of one step land in the pending
 * word d->nbuf (d->nfill bytes) and every full word goes to the hash.
 * w holds m (1..8) bytes, the rest zero.
 */
static __always_inline void dw_name_push(struct dw_dstate *d, __u64 w, __u32 m)
{
	__u32 fill = d->nfill & 7, sh = fill * 8;
	__u64 cur;

	if (!fill) {
		if (m >= 8)
			dw_sip13_word(&d->nm, w);
		else
			d->nbuf = w;
		d->nfill = m & 7;
		return;
	}
	cur = d->nbuf | (w << sh);
	if (fill + m < 8) {
		d->nbuf = cur;
		d->nfill = fill + m;
		return;
	}
	dw_sip13_word(&d->nm, cur);
	d->nbuf = w >> (64 - sh);
	d->nfill = fill + m - 8;
}

/* One step of a name walk: a compression pointer, a label or the root. */
static long dw_name_step(__u32 i, void *vctx)
{
	struct dw_scratch *s = ((struct dw_loopctx *)vctx)->s;
	struct dw_dstate *d = &s->ds;
	__u32 pos = d->npos, c, n, k;

	if (pos >= d->len)
		return dw_derr(d, DW_DIGEST_MALFORMED);
	c = dw_ld8(s, d->base + pos);
	if ((c & 0xc0) == 0xc0) {
		__u32 t;

		if (pos + 1 >= d->len)
			return dw_derr(d, DW_DIGEST_MALFORMED);
		t = ((c & 0x3f) << 8) | dw_ld8(s, d->base + pos + 1);
		if (t < DW_DNS_HDR_LEN || t >= d->nrun)
			return dw_derr(d, DW_DIGEST_MALFORMED);
		if (++d->nhops > DW_NAME_PTRS_MAX)
			return dw_derr(d, DW_DIGEST_TOO_COMPLEX);
		if (d->nhops == 1)
			d->nend = pos + 2;
		d->npos = t;
		d->nrun = t;
		return 0;
	}
	if (c & 0xc0)
		return dw_derr(d, DW_DIGEST_MALFORMED);
	d->ntotal += c + 1;
	if (d->ntotal > DW_NAME_MAX)
		return dw_derr(d, DW_DIGEST_MALFORMED);
	if (c == 0) {
		if (!d->nhops)
			d->nend = pos + 1;
		dw_name_push(d, 0, 1); /* the root octet, then the zero padding */
		if (d->nfill)
			dw_sip13_word(&d->nm, d->nbuf);
		d->ndone = 1;
		return 1;
	}
	if (pos + 1 + c > d->len)
		return dw_derr(d, DW_DIGEST_MALFORMED);
	n = c + 1; /* the length octet and the label */
	for (k = 0; k < 8; k++) {
		if (k * 8 >= n)
			break;
		dw_name_push(d, dw_lower8(dw_keep(dw_ld64(s, d->base + pos + k * 8), n - k * 8)),
			     n - k * 8 > 8 ? 8 : n - k * 8);
	}
	d->npos = pos + n;
	return 0;
}

/* word(DW_DIGEST_TAG) | N(name) at message offset start into the name hash d->nm. */
static __always_inline void dw_walk_name(struct dw_loopctx *lc, __u32 start)
{
	struct dw_dstate *d = &lc->s->ds;

	dw_sip_init(&d->nm, d->k0, d->k1, 1);
	dw_sip13_word(&d->nm, DW_DIGEST_TAG);
	d->nbuf = 0;
	d->nfill = 0;
	d->npos = start;
	d->nrun = start;
	d->ntotal = 0;
	d->nhops = 0;
	d->nend = 0;
	d->ndone = 0;
	bpf_loop(DW_NAME_STEPS_MAX, dw_name_step, lc, 0);
	if (!d->err && !d->ndone)
		d->err = DW_DIGEST_TOO_COMPLEX;
}

/* The word at d->cpos (bytes up to d->cend, the rest zero) into h; lower: lower-cased. */
static __always_inline void dw_take_word(struct dw_scratch *s, struct dw_dstate *d,
					 struct dw_sip *h, int lower)
{
	__u64 w = dw_keep(dw_ld64(s, d->base + d->cpos), d->cend - d->cpos);

	dw_sip13_word(h, lower ? dw_lower8(w) : w);
	d->cpos += 8;
}

static __always_inline void dw_qword(struct dw_scratch *s, struct dw_dstate *d)
{
	dw_take_word(s, d, &d->nm, 1);
}

static long dw_qword_step(__u32 i, void *vctx)
{
	struct dw_scratch *s = ((struct dw_loopctx *)vctx)->s;

	dw_qword(s, &s->ds);
	return 0;
}

/*
 * word(DW_DIGEST_TAG) | N(qname) into d->nm. The question name was checked
 * in place (dw_question: uncompressed, labels and length in bounds) and ends
 * at qend, so N() is its bytes as they lie: no label walk, and up to 32
 * bytes (most names) without a call.
 */
static __always_inline void dw_question_hash(struct dw_loopctx *lc, __u32 qend)
{
	struct dw_scratch *s = lc->s;
	struct dw_dstate *d = &s->ds;

	dw_sip_init(&d->nm, d->k0, d->k1, 1);
	dw_sip13_word(&d->nm, DW_DIGEST_TAG);
	d->cpos = DW_DNS_HDR_LEN;
	d->cend = qend;
	dw_qword(s, d);
	if (qend > DW_DNS_HDR_LEN + 8)
		dw_qword(s, d);
	if (qend > DW_DNS_HDR_LEN + 16)
		dw_qword(s, d);
	if (qend > DW_DNS_HDR_LEN + 24)
		dw_qword(s, d);
	if (qend > DW_DNS_HDR_LEN + 32)
		bpf_loop((qend - DW_DNS_HDR_LEN - 25) / 8, dw_qword_step, lc, 0);
}

/*
 * NH(name)[0] of the name at message offset start into d->nh; d->nend: the
 * offset after its in-place bytes. A name that is exactly a pointer to the
 * question name (which is never compressed) has the question's hash: the
 * walk would read the very same labels. One global function: the verifier
 * checks the walk once, not once per call site and per pass over the RR
 * callback. Returns 0, or 1 with d->err set.
 */
__noinline int dw_name_hash_fn(struct dw_scratch *s, __u32 start)
{
	struct dw_loopctx lc = {.s = s};
	struct dw_dstate *d;
	__u64 h[2];

	if (!s)
		return 1;
	d = &s->ds;
	if (start + 2 <= d->len && dw_ld16(s, d->base + start) == DW_QNAME_PTR) {
		d->nend = start + 2;
		d->nh = d->qnh;
		return 0;
	}
	dw_walk_name(&lc, start);
	if (d->err)
		return 1;
	dw_sip13_final(&d->nm, 0, 1, h);
	d->nh = h[0];
	return 0;
}

static __always_inline int dw_name_hash(struct dw_loopctx *lc, __u32 start, __u64 *nh)
{
	if (dw_name_hash_fn(lc->s, start))
		return 1;
	*nh = lc->s->ds.nh;
	return 0;
}

static __always_inline void dw_chunk_word(struct dw_scratch *s, struct dw_dstate *d)
{
	dw_take_word(s, d, &d->rr, 0);
}

static long dw_chunk_step(__u32 i, void *vctx)
{
	struct dw_scratch *s = ((struct dw_loopctx *)vctx)->s;

	dw_chunk_word(s, &s->ds);
	return 0;
}

/* C(bytes) of message bytes [start, start + n) into the RR hash. */
static __always_inline void dw_chunk(struct dw_loopctx *lc, __u32 start, __u32 n)
{
	struct dw_scratch *s = lc->s;
	struct dw_dstate *d = &s->ds;

	dw_sip13_word(&d->rr, n);
	d->cpos = start;
	d->cend = start + n;
	if (n > 16) {
		bpf_loop((n + 7) / 8, dw_chunk_step, lc, 0);
		return;
	}
	if (n > 0)
		dw_chunk_word(s, d);
	if (n > 8)
		dw_chunk_word(s, d);
}

/*
 * The raw bytes before the names of a DW_RD_PRE_* layout (NAPTR: 4 bytes
 * and three strings; HIP: 4 bytes, the HIT and the key), or ~0 when the
 * rdata ends before them.
 */
static __always_inline __u32 dw_rdata_pre(struct dw_scratch *s, __u32 rd, __u32 n, __u16 pre,
					  __u16 flags)
{
	__u32 base = s->ds.base + rd, p = 4;
	int i;

	if (flags & DW_RD_PRE_HIP)
		return n < 4 ? ~0u : 4 + dw_ld8(s, base) + dw_ld16(s, base + 2);
	if (!(flags & DW_RD_PRE_NAPTR))
		return pre;
	for (i = 0; i < 3; i++) {
		if (p >= n)
			return ~0u;
		p += 1 + dw_ld8(s, base + p);
	}
	return p;
}

/* R(rdata) per dw_rdata_layout(); 0 or stops the RR loop. */
static __always_inline long dw_rdata(struct dw_loopctx *lc, __u16 type, __u32 rd, __u32 rd_end)
{
	struct dw_dstate *d = &lc->s->ds;
	__u16 pre, flags;
	int nn = dw_rdata_layout(type, &pre, &flags), j;
	__u32 p, npre;

	if (nn < 0)
		return dw_derr(d, DW_DIGEST_MALFORMED);
	if (!nn) {
		dw_chunk(lc, rd, rd_end - rd);
		return 0;
	}
	npre = dw_rdata_pre(lc->s, rd, rd_end - rd, pre, flags);
	if (npre > rd_end - rd)
		return dw_derr(d, DW_DIGEST_MALFORMED);
	if (npre)
		dw_chunk(lc, rd, npre);
	p = rd + npre;
	for (j = 0; j < DW_RDATA_NAMES_MAX; j++) {
		__u64 nh;

		if (j >= nn)
			break;
		if ((flags & DW_RD_NAMES_TO_END) && p == rd_end)
			break;
		if (p >= rd_end)
			return dw_derr(d, DW_DIGEST_MALFORMED);
		if (dw_name_hash(lc, p, &nh))
			return 1;
		if (d->nend > rd_end)
			return dw_derr(d, DW_DIGEST_MALFORMED);
		dw_sip13_word(&d->rr, nh);
		p = d->nend;
	}
	if ((flags & DW_RD_NAMES_TO_END) && p != rd_end)
		return dw_derr(d, DW_DIGEST_TOO_COMPLEX);
	if ((flags & DW_RD_TAIL_EMPTY) && p != rd_end)
		return dw_derr(d, DW_DIGEST_MALFORMED);
	if ((flags & DW_RD_TAIL_SOA) && rd_end - p != DW_SOA_TAIL)
		return dw_derr(d, DW_DIGEST_MALFORMED);
	dw_chunk(lc, p, rd_end - p);
	return 0;
}

/* One RR: E(RR) into the sums (an OPT in the additional section is skipped). */
static long dw_rr_step(__u32 i, void *vctx)
{
	struct dw_loopctx *lc = vctx;
	struct dw_scratch *s = lc->s;
	struct dw_dstate *d = &s->ds;
	__u32 sec, end, rd, rd_end, ttl;
	__u16 type, class;
	__u64 h[2], nh;

	sec = i < d->an ? DW_SEC_ANSWER : i < d->an + d->ns ? DW_SEC_AUTHORITY : DW_SEC_ADDITIONAL;
	if (dw_name_hash(lc, d->off, &nh))
		return 1;
	end = d->nend;
	if (end + 10 > d->len)
		return dw_derr(d, DW_DIGEST_MALFORMED);
	type = dw_ld16(s, d->base + end);
	class = dw_ld16(s, d->base + end + 2);
	rd = end + 10;
	rd_end = rd + dw_ld16(s, d->base + end + 8);
	if (rd_end > d->len)
		return dw_derr(d, DW_DIGEST_MALFORMED);
	d->off = rd_end;
	/* The TTL is outside the digest: the memo may let it differ (an OPT's too). */
	if (d->nttl < DW_MEMO_TTLS)
		d->ttl[d->nttl & (DW_MEMO_TTLS - 1)] = end + 4;
	if (sec == DW_SEC_ADDITIONAL && type == DW_TYPE_OPT) {
		if (d->nttl < DW_MEMO_TTLS)
			d->ttl_opt |= 1u << (d->nttl & (DW_MEMO_TTLS - 1));
		d->nttl++;
		return 0;
	}
	d->nttl++;
	ttl = (__u32)dw_ld16(s, d->base + end + 4) << 16 | dw_ld16(s, d->base + end + 6);
	if (ttl > d->maxttl)
		d->maxttl = ttl;
	dw_sip_init(&d->rr, d->k0, d->k1, 1);
	dw_sip13_word(&d->rr, (__u64)sec << 32 | (__u64)type << 16 | class);
	dw_sip13_word(&d->rr, nh);
	if (dw_rdata(lc, type, rd, rd_end))
		return 1;
	dw_sip13_final(&d->rr, 0, 1, h);
	d->acc0 += h[0];
	d->acc1 += h[1];
	return 0;
}

/*
 * The verdict key of the message at frame offset base, len bytes (header and
 * question already checked by the caller, the question name ending at frame
 * offset s->q_end). Returns DW_DIGEST_*; key->qtype,
 * qclass and flags are set whenever the question parsed.
 */
static __always_inline __u32 dw_digest(struct dw_scratch *s, const struct dw_datapath_cfg *cfg,
				       __u32 base, __u32 len, struct dw_verdict_key *key)
{
	struct dw_loopctx lc = {.s = s};
	struct dw_dstate *d = &s->ds;
	__u32 nrr, qend;
	__u64 eq[2];

	key->flags = dw_ld16(s, base + 2);
	d->base = base;
	d->len = len;
	d->k0 = cfg->digest_key[0];
	d->k1 = cfg->digest_key[1];
	d->err = 0;
	d->nttl = 0;
	d->maxttl = 0;
	d->ttl_opt = 0;
	d->an = dw_ld16(s, base + 6);
	d->ns = dw_ld16(s, base + 8);
	nrr = d->an + d->ns + dw_ld16(s, base + 10);
	/* E(Q): the question name's hash, whose first half its pointers reuse. */
	qend = s->q_end - base;
	if (s->q_end < base || qend <= DW_DNS_HDR_LEN || qend > DW_DNS_HDR_LEN + DW_NAME_MAX ||
	    qend + 4 > len)
		return DW_DIGEST_MALFORMED;
	dw_question_hash(&lc, qend);
	key->qtype = dw_ld16(s, base + qend);
	key->qclass = dw_ld16(s, base + qend + 2);
	if (nrr > DW_DIGEST_RRS_MAX)
		return DW_DIGEST_TOO_COMPLEX;
	dw_sip13_final(&d->nm, 0, 1, eq);
	d->qnh = eq[0];
	d->acc0 = eq[0];
	d->acc1 = eq[1];
	d->off = qend + 4;
	if (nrr)
		bpf_loop(nrr, dw_rr_step, &lc, 0);
	if (d->err)
		return d->err;
	key->digest[0] = d->acc0;
	key->digest[1] = d->acc1;
	return DW_DIGEST_OK;
}

#endif /* DW_DIGEST_BPF_H */
