/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * outstanding.bpf.h: the queries workloads have outstanding for enforced
 * zones (dnsward.h, struct dw_query). The query hook remembers each one; the
 * reply hooks check a UDP reply against it: another question under the same
 * address, port and ID is a forgery (question_mismatch), and a protected
 * reply that answers nothing remembered is a blind one (unsolicited).
 */
#ifndef DW_OUTSTANDING_BPF_H
#define DW_OUTSTANDING_BPF_H

#include "lib/maps.bpf.h"
#include "lib/verdict.bpf.h"

/* What a reply is to the remembered queries. */
enum {
	DW_SOL_NONE = 0, /* no remembered query under its address, port and ID */
	DW_SOL_MATCH,	 /* one, with the same question */
	DW_SOL_MISMATCH, /* one, with another question */
};

static __always_inline long dw_load(void *ctx, int xdp, __u32 off, void *dst, __u32 len)
{
	if (xdp)
		return bpf_xdp_load_bytes(ctx, off, dst, len);
	return bpf_skb_load_bytes(ctx, off, dst, len);
}

/*
 * The n bytes at frame offset off, in place (n a constant), or NULL when
 * they are not in the linear area.
 */
static __always_inline __u8 *dw_pkt_at(void *ctx, int xdp, __u32 off, __u32 n)
{
	void *data, *end;
	__u8 *p;

	if (xdp) {
		data = (void *)(long)((struct xdp_md *)ctx)->data;
		end = (void *)(long)((struct xdp_md *)ctx)->data_end;
	} else {
		data = (void *)(long)((struct __sk_buff *)ctx)->data;
		end = (void *)(long)((struct __sk_buff *)ctx)->data_end;
	}
	p = data + (off & DW_FRAME_MASK);
	return (void *)(p + n) > end ? NULL : p;
}

/*
 * s->qk from the packet in s->hd: the workload's address at addr_off (its
 * source in a query, its destination in a reply), its port at port_off,
 * the ID. Read in place, as the header parse did: the headers are linear
 * by now (tc pulled them), so a helper copy is only the fallback. Every
 * reply pays this, so it calls nothing. Returns 0 or -1.
 */
static __always_inline int dw_qkey_fill(void *ctx, int xdp, struct dw_scratch *s, __u32 addr_off,
					__u32 port_off)
{
	struct dw_query_key *k = &s->qk;
	struct dw_hdrs *h = &s->hd;
	__u8 *a, *pt, *id;
	long err;

	a = dw_pkt_at(ctx, xdp, h->l3_off + addr_off, 16);
	pt = dw_pkt_at(ctx, xdp, h->l4_off + port_off, 2);
	id = dw_pkt_at(ctx, xdp, h->dns_off, 2);
	*dw_word(&k->family) = 0;
	*dw_word(&k->addr[8]) = 0;
	k->family = h->l3;
	if (a && pt && id) {
		k->port[0] = pt[0];
		k->port[1] = pt[1];
		k->id[0] = id[0];
		k->id[1] = id[1];
		if (h->l3 == 4) {
			*dw_word(&k->addr[0]) = *(__u32 *)a;
			return 0;
		}
		*dw_word(&k->addr[0]) = *dw_word(a);
		*dw_word(&k->addr[8]) = *dw_word(a + 8);
		return 0;
	}
	*dw_word(&k->addr[0]) = 0;
	if (h->l3 == 4)
		err = dw_load(ctx, xdp, h->l3_off + addr_off, k->addr, 4);
	else
		err = dw_load(ctx, xdp, h->l3_off + addr_off, k->addr, 16);
	err |= dw_load(ctx, xdp, h->l4_off + port_off, k->port, 2);
	err |= dw_load(ctx, xdp, h->dns_off, k->id, 2);
	return err ? -1 : 0;
}

/*
 * The question of n name bytes from name_off into s->qv (zero beyond the
 * name, so whole words compare). Returns 0 or -1.
 */
static __always_inline int dw_qv_fill(void *ctx, int xdp, struct dw_scratch *s, __u32 name_off,
				      __u64 n)
{
	struct dw_question_wire *q = &s->qv.q;

	__builtin_memset(q->name, 0, sizeof(q->name));
	if (n < 1 || n > DW_QNAME_BYTES)
		return -1;
	q->name_len = n;
	if (dw_load(ctx, xdp, name_off, q->name, dw_copy_len(n, DW_QNAME_BYTES)))
		return -1;
	return dw_load(ctx, xdp, name_off + n, q->tail, 4) ? -1 : 0;
}

/*
 * The query hook: remember the query in s->hd whose name ends at s->q_end.
 * Returns 0 when its question is in s->qv, or -1.
 */
static __always_inline int dw_query_track(struct __sk_buff *skb, struct dw_scratch *s, __u64 now)
{
	__u32 name_off = s->hd.dns_off + DW_DNS_HDR_LEN;

	if (dw_qkey_fill(skb, 0, s, s->hd.l3 == 4 ? 12 : 8, 0) ||
	    dw_qv_fill(skb, 0, s, name_off, s->q_end - name_off)) {
		dw_count(DW_CNT_QUERY_MALFORMED);
		return -1;
	}
	s->qv.expires_ns = now + DW_QUERY_TRACK_NS;
	if (!bpf_map_update_elem(&dnsward_queries, &s->qk, &s->qv, BPF_ANY))
		dw_count(DW_CNT_QUERY_TRACKED);
	return 0;
}

/* The remembered question e against the reply's in s->qv, word by word. */
static __always_inline int dw_question_same(struct dw_question_wire *e, struct dw_question_wire *r)
{
	__u64 diff = 0;
	__u32 i;

	for (i = 0; i < DW_QNAME_BYTES / 8; i++)
		diff |= *dw_word(&e->name[i * 8]) ^ *dw_word(&r->name[i * 8]);
	return !diff && !__builtin_memcmp(e->tail, r->tail, 4);
}

/* The UDP reply in s->hd against the remembered queries: DW_SOL_*. */
static __always_inline int dw_solicited(void *ctx, int xdp, struct dw_scratch *s)
{
	struct dw_hdrs *h = &s->hd;
	struct dw_query *e;

	if (dw_qkey_fill(ctx, xdp, s, h->l3 == 4 ? 16 : 24, 2))
		return DW_SOL_NONE;
	e = bpf_map_lookup_elem(&dnsward_queries, &s->qk);
	if (!e || bpf_ktime_get_boot_ns() > e->expires_ns)
		return DW_SOL_NONE;
	if (dw_qv_fill(ctx, xdp, s, h->dns_off + DW_DNS_HDR_LEN, e->q.name_len))
		return DW_SOL_MISMATCH; /* the reply is too short to carry the question */
	return dw_question_same(&e->q, &s->qv.q) ? DW_SOL_MATCH : DW_SOL_MISMATCH;
}

/* This link's queries pass the query hook: its protected replies can be unsolicited. */
static __always_inline int dw_queries_seen(__u32 ifindex)
{
	return bpf_map_lookup_elem(&dnsward_query_links, &ifindex) != 0;
}

#endif /* DW_OUTSTANDING_BPF_H */
