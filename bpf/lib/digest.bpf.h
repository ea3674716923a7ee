/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * digest.bpf.h: the verdict-key digest of include/dw_digest.h over the DNS
 * message in the scratch frame. The walk is driven by bpf_loop (5.17+): one
 * callback per RR, per name step (a label or a pointer) and per raw word, so
 * the verifier checks each callback once instead of unrolling nested loops;
 * the walk's state lives in the scratch so callbacks share it.
 */
#ifndef DW_DIGEST_BPF_H
#define DW_DIGEST_BPF_H

#include "lib/dnsname.bpf.h"

struct dw_loopctx {
	struct dw_scratch *s;
};

static __always_inline long dw_derr(struct dw_dstate *d, __u32 err)
{
	d->err = err;
	return 1; /* stop the loop */
}

static __always_inline struct dw_sip *dw_target(struct dw_dstate *d)
{
	return d->target ? &d->fin : &d->rr;
}

/* One step of a name walk: a compression pointer, a label or the root. */
static long dw_name_step(__u32 i, void *vctx)
{
	struct dw_scratch *s = ((struct dw_loopctx *)vctx)->s;
	struct dw_dstate *d = &s->ds;
	__u32 pos = d->npos, c, n, k;
	struct dw_sip *h;

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
	h = dw_target(d);
	if (c == 0) {
		if (!d->nhops)
			d->nend = pos + 1;
		dw_sip_word(h, 0);
		d->ndone = 1;
		return 1;
	}
	if (pos + 1 + c > d->len)
		return dw_derr(d, DW_DIGEST_MALFORMED);
	n = c + 1; /* the length octet and the label, padded to words */
	for (k = 0; k < 8; k++) {
		if (k * 8 >= n)
			break;
		dw_sip_word(h, dw_lower8(dw_keep(dw_ld64(s, d->base + pos + k * 8), n - k * 8)));
	}
	d->npos = pos + n;
	return 0;
}

/* N(name) at message offset start into the RR hash (target 0) or the digest (1). */
static __always_inline void dw_walk_name(struct dw_loopctx *lc, __u32 start, __u32 target)
{
	struct dw_dstate *d = &lc->s->ds;

	d->npos = start;
	d->nrun = start;
	d->ntotal = 0;
	d->nhops = 0;
	d->nend = 0;
	d->ndone = 0;
	d->target = target;
	bpf_loop(DW_NAME_STEPS_MAX, dw_name_step, lc, 0);
	if (!d->err && !d->ndone)
		d->err = DW_DIGEST_TOO_COMPLEX;
}

static long dw_chunk_step(__u32 i, void *vctx)
{
	struct dw_scratch *s = ((struct dw_loopctx *)vctx)->s;
	struct dw_dstate *d = &s->ds;

	dw_sip_word(&d->rr, dw_keep(dw_ld64(s, d->base + d->cpos), d->cend - d->cpos));
	d->cpos += 8;
	return 0;
}

/* C(bytes) of message bytes [start, start + n) into the RR hash. */
static __always_inline void dw_chunk(struct dw_loopctx *lc, __u32 start, __u32 n)
{
	struct dw_dstate *d = &lc->s->ds;

	dw_sip_word(&d->rr, n);
	d->cpos = start;
	d->cend = start + n;
	bpf_loop((n + 7) / 8, dw_chunk_step, lc, 0);
}

/* R(rdata) per dw_rdata_layout(); 0 or stops the RR loop. */
static __always_inline long dw_rdata(struct dw_loopctx *lc, __u16 type, __u32 rd, __u32 rd_end)
{
	struct dw_dstate *d = &lc->s->ds;
	__u16 pre;
	int nn = dw_rdata_layout(type, &pre), j;
	__u32 p;

	if (!nn) {
		dw_chunk(lc, rd, rd_end - rd);
		return 0;
	}
	if (rd_end - rd < pre)
		return dw_derr(d, DW_DIGEST_MALFORMED);
	if (pre)
		dw_chunk(lc, rd, pre);
	p = rd + pre;
	for (j = 0; j < 2; j++) {
		if (j >= nn)
			break;
		if (p >= rd_end)
			return dw_derr(d, DW_DIGEST_MALFORMED);
		dw_walk_name(lc, p, 0);
		if (d->err)
			return 1;
		if (d->nend > rd_end)
			return dw_derr(d, DW_DIGEST_MALFORMED);
		p = d->nend;
	}
	dw_chunk(lc, p, rd_end - p);
	return 0;
}

/* One RR: H(RR) into the sums (an OPT in the additional section is skipped). */
static long dw_rr_step(__u32 i, void *vctx)
{
	struct dw_loopctx *lc = vctx;
	struct dw_scratch *s = lc->s;
	struct dw_dstate *d = &s->ds;
	__u32 sec, end, rd, rd_end;
	__u16 type, class;
	__u64 h[2];

	sec = i < d->an ? DW_SEC_ANSWER : i < d->an + d->ns ? DW_SEC_AUTHORITY : DW_SEC_ADDITIONAL;
	dw_sip_init(&d->rr, d->k0, d->k1, 1);
	dw_walk_name(lc, d->off, 0);
	if (d->err)
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
	if (sec == DW_SEC_ADDITIONAL && type == DW_TYPE_OPT) {
		d->nopt++;
		return 0;
	}
	dw_sip_word(&d->rr, (__u64)sec << 32 | (__u64)type << 16 | class);
	if (dw_rdata(lc, type, rd, rd_end))
		return 1;
	dw_sip_final(&d->rr, 0, 1, h);
	d->acc0 += h[0];
	d->acc1 += h[1];
	return 0;
}

/*
 * The verdict key of the message at frame offset base, len bytes (header and
 * question already checked by the caller). Returns DW_DIGEST_*; key->qtype,
 * qclass and flags are set whenever the question parsed.
 */
static __always_inline __u32 dw_digest(struct dw_scratch *s, const struct dw_datapath_cfg *cfg,
				       __u32 base, __u32 len, struct dw_verdict_key *key)
{
	struct dw_loopctx lc = {.s = s};
	struct dw_dstate *d = &s->ds;
	__u32 ar, nrr, qend;

	key->flags = dw_ld16(s, base + 2);
	d->base = base;
	d->len = len;
	d->k0 = cfg->digest_key[0];
	d->k1 = cfg->digest_key[1];
	d->err = 0;
	d->acc0 = 0;
	d->acc1 = 0;
	d->nopt = 0;
	d->an = dw_ld16(s, base + 6);
	d->ns = dw_ld16(s, base + 8);
	ar = dw_ld16(s, base + 10);
	dw_sip_init(&d->fin, d->k0, d->k1, 1);
	dw_sip_word(&d->fin, DW_DIGEST_TAG);
	dw_walk_name(&lc, DW_DNS_HDR_LEN, 1);
	if (d->err)
		return d->err;
	qend = d->nend;
	if (qend + 4 > len)
		return DW_DIGEST_MALFORMED;
	key->qtype = dw_ld16(s, base + qend);
	key->qclass = dw_ld16(s, base + qend + 2);
	nrr = d->an + d->ns + ar;
	if (nrr > DW_DIGEST_RRS_MAX)
		return DW_DIGEST_TOO_COMPLEX;
	d->off = qend + 4;
	if (nrr)
		bpf_loop(nrr, dw_rr_step, &lc, 0);
	if (d->err)
		return d->err;
	dw_sip_word(&d->fin, (__u64)key->qtype << 16 | key->qclass);
	dw_sip_word(&d->fin, 1ULL << 48 | (__u64)d->an << 32 | (__u64)d->ns << 16 | (ar - d->nopt));
	dw_sip_word(&d->fin, d->acc0);
	dw_sip_word(&d->fin, d->acc1);
	dw_sip_final(&d->fin, 0, 1, key->digest);
	return DW_DIGEST_OK;
}

#endif /* DW_DIGEST_BPF_H */
