/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tcpflow.bpf.h: DNS over TCP message boundaries, per flow. A TCP stream
 * from the DNS port is a sequence of messages, each a 2-byte length and the
 * message; a segment may start anywhere in it. Judging each segment as if it
 * started a message lets a server split a protected reply before the end of
 * its question and have every part pass, so the hook keeps, per flow (reply
 * direction), the sequence number where the next message starts
 * (struct dw_tcp_flow), learnt from the server's SYN-ACK (ISN + 1).
 *
 * The rule: the hook passes a byte only when every message start at or
 * before it was judged and passed. So, for a tracked flow's data segment:
 *  - it ends at or before `next`: only bytes of passed messages (a
 *    continuation, or a retransmission of them): pass;
 *  - it starts after `next`: the message start at `next` was dropped with
 *    its segment, or never seen (a gap): drop; TCP retransmits in order;
 *  - `next` lies inside it: that message start is judged by the core
 *    (dw_judge); its 2-byte length and its whole question must be in this
 *    segment, or it cannot be judged and is dropped (DW_CNT_TCP_SPLIT_QUESTION:
 *    fail closed, whatever the zone, since the zone is unknown). A dropped
 *    message leaves `next` where it is, so its continuation segments, and
 *    its retransmission's, are judged again from its start; a retransmitted
 *    message start is simply judged again (a held reply then hits its verdict).
 *  - Further message starts in the same segment (pipelined replies): each
 *    one's question is walked and its zone looked up; an unprotected one
 *    passes; a protected one is not digested or punted (one punt per packet)
 *    but follows its zone's failure mode (DW_CNT_TCP_MULTI), so a server that
 *    coalesces a protected reply behind another one in one segment is
 *    dropped in closed zones; at most DW_TCP_MSGS_MAX of them, more drop.
 *  - FIN deletes the flow once its segment passed; RST deletes it.
 *
 * Untracked flows (the hook attached after the SYN-ACK, or the entry was
 * evicted from the LRU) keep the per-segment judgement (DW_CNT_TCP_UNTRACKED):
 * a segment that does not parse as a message start passes as a continuation,
 * so a split reply on such a flow is not checked. That window lasts for
 * connections open when the hook attaches and for evicted ones.
 *
 * Both steps are global functions per hook, verified once on their own.
 * Not handled: the receiver's window (data the hook passed but the receiver
 * discarded could come again with other bytes at the same sequence numbers);
 * a message start beyond the bytes the hook can read (tc: the pulled
 * DW_PUNT_PKT_MAX bytes of a GRO packet) is dropped as unjudgeable.
 */
#ifndef DW_TCPFLOW_BPF_H
#define DW_TCPFLOW_BPF_H

#include "lib/dnsname.bpf.h"
#include "lib/verdict.bpf.h"

#define DW_TCP_FIN 0x01
#define DW_TCP_SYN 0x02
#define DW_TCP_RST 0x04
#define DW_TCP_ACK 0x10

/* Message starts after the judged one that one segment may carry; more drop. */
#define DW_TCP_MSGS_MAX 8
/* The IP header starts within this many bytes (Ethernet and two VLAN tags). */
#define DW_TCP_L3_MAX 63

/*
 * DNS-over-TCP flows, keyed by the reply direction: where the next message
 * starts and the last decision. LRU: a flood of connections evicts the
 * oldest, which then fall back to per-segment judgement (counted).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DW_TCP_FLOWS_MAX);
	__type(key, struct dw_tcp_flow_key);
	__type(value, struct dw_tcp_flow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_tcp_flows SEC(".maps");

/* What the flow step tells the core: an action, or judge the message at hd.dns_off. */
enum dw_tseg {
	DW_TSEG_PASS = DW_ACT_PASS,
	DW_TSEG_DROP = DW_ACT_DROP,
	DW_TSEG_JUDGE = 3,
};

#define dw_ctx_data(ctx, xdp)                                                                      \
	((xdp) ? (void *)(long)((struct xdp_md *)(ctx))->data                                      \
	       : (void *)(long)((struct __sk_buff *)(ctx))->data)
#define dw_ctx_data_end(ctx, xdp)                                                                  \
	((xdp) ? (void *)(long)((struct xdp_md *)(ctx))->data_end                                  \
	       : (void *)(long)((struct __sk_buff *)(ctx))->data_end)

/* The reply direction's 4-tuple from the frame (k zeroed by the caller); 0 or -1. */
static __always_inline int dw_tcp_key(void *ctx, int xdp, const struct dw_hdrs *h,
				      struct dw_tcp_flow_key *k)
{
	void *data = dw_ctx_data(ctx, xdp), *data_end = dw_ctx_data_end(ctx, xdp);
	__u32 l3 = h->l3_off, l4 = h->l4_off;
	__u8 *ip, *ports;

	if (l3 > DW_TCP_L3_MAX || l4 > DW_HDR_MAX)
		return -1;
	dw_hide(l3);
	dw_hide(l4);
	ip = data + (l3 & DW_TCP_L3_MAX);
	ports = data + (l4 & 0x3ff);
	if ((void *)(ports + 4) > data_end || (void *)(ip + 40) > data_end)
		return -1; /* an IPv4 TCP segment is never shorter than 40 bytes of IP */
	__builtin_memcpy(&k->sport, ports, 4); /* sport, dport */
	if (h->l3 == 4) {
		k->family = 2;
		__builtin_memcpy(k->saddr, ip + 12, 4);
		__builtin_memcpy(k->daddr, ip + 16, 4);
		return 0;
	}
	k->family = 10;
	__builtin_memcpy(k->saddr, ip + 8, 16);
	__builtin_memcpy(k->daddr, ip + 24, 16);
	return 0;
}

/* The 2-byte length prefix at frame offset off, or -1 when it is not readable. */
static __always_inline int dw_tcp_len16(void *ctx, int xdp, __u32 off)
{
	void *data = dw_ctx_data(ctx, xdp), *data_end = dw_ctx_data_end(ctx, xdp);
	__u8 *p;

	if (off > DW_FRAME_MASK)
		return -1;
	dw_hide(off); /* keep the mask: the verifier bounds the offset by it */
	p = data + (off & DW_FRAME_MASK);
	if ((void *)(p + 2) > data_end)
		return -1;
	return ((int)p[0] << 8) | p[1];
}

static __always_inline int dw_tcp_question(void *ctx, int xdp, struct dw_scratch *s, __u32 dns_off,
					   __u32 lim)
{
	if (xdp)
		return dw_question_xdp(ctx, s, dns_off, lim);
	return dw_question_tc(ctx, s, dns_off, lim);
}

/* A message judged dropped: `next` stays at its start; remember where it ends. */
static __always_inline int dw_tcp_dropped(struct dw_tcp_flow *st, __u32 end, __u32 reason)
{
	st->decision = DW_TCP_DROPPED;
	st->msg_end = end;
	return dw_drop(reason);
}

/*
 * Locates the message whose length prefix is at frame offset off in s->hd
 * (dns_off, dns_len, avail: the message bytes in this segment) and checks
 * that its question is whole here. Returns 0, or the counter that says why
 * it cannot be judged.
 */
static __always_inline int dw_tcp_locate(void *ctx, int xdp, struct dw_scratch *s, __u32 off)
{
	struct dw_hdrs *h = &s->hd;
	__u32 end = h->l3_end, dns_off = off + 2, avail;
	int len = dw_tcp_len16(ctx, xdp, off);

	h->dns_len = len < 0 ? 0 : len; /* 0: where the message ends is unknown */
	if (len < 0 || dns_off + DW_DNS_HDR_LEN > end)
		return DW_CNT_TCP_SPLIT_QUESTION;
	if (len < DW_DNS_HDR_LEN)
		return DW_CNT_MALFORMED;
	avail = end - dns_off;
	if (avail > (__u32)len)
		avail = len;
	h->dns_off = dns_off;
	h->dns_len = len;
	h->avail = avail;
	if (dw_tcp_question(ctx, xdp, s, dns_off, dns_off + avail) < 0)
		return avail < (__u32)len ? DW_CNT_TCP_SPLIT_QUESTION : DW_CNT_MALFORMED;
	return 0;
}

/*
 * Before the judgement: learn, forget, or place the segment against the
 * flow's next message start. rc: the header parse (DW_P_REPLY when the
 * payload starts like a reply, else DW_P_NOT_DNS).
 */
static __always_inline int dw_tcp_pre(void *ctx, int xdp, struct dw_scratch *s, int rc)
{
	struct dw_tcp_flow_key k = {};
	struct dw_tcp_flow fresh = {}, *st;
	struct dw_hdrs *h = &s->hd;
	__u32 seq = h->tcp_seq, paylen = h->l3_end - h->pay_off, why;
	__u8 fl = h->tcp_flags;

	if (h->pay_off > h->l3_end || dw_tcp_key(ctx, xdp, h, &k))
		goto as_before;
	if (fl & DW_TCP_RST) {
		bpf_map_delete_elem(&dnsward_tcp_flows, &k);
		goto as_before;
	}
	if ((fl & (DW_TCP_SYN | DW_TCP_ACK)) == (DW_TCP_SYN | DW_TCP_ACK)) {
		seq += 1; /* the SYN takes one sequence number; the stream starts after */
		fresh.next = seq;
		fresh.msg_end = seq;
		bpf_map_update_elem(&dnsward_tcp_flows, &k, &fresh, BPF_ANY);
		h->tcp_seq = seq;
	}
	st = bpf_map_lookup_elem(&dnsward_tcp_flows, &k);
	if (!st) {
		if (paylen)
			dw_count(DW_CNT_TCP_UNTRACKED);
		goto as_before;
	}
	if (!paylen) {
		if (fl & DW_TCP_FIN)
			bpf_map_delete_elem(&dnsward_tcp_flows, &k);
		goto as_before;
	}
	if (h->frag)
		return dw_drop(DW_CNT_FRAGMENT); /* its message starts cannot all be seen */
	if ((__s32)(seq - st->next) > 0) {
		if (st->decision == DW_TCP_DROPPED && (__s32)(seq - st->msg_end) < 0)
			return dw_drop(DW_CNT_TCP_AFTER_DROP);
		return dw_drop(DW_CNT_TCP_GAP);
	}
	if ((__s32)(seq + paylen - st->next) <= 0) {
		if (fl & DW_TCP_FIN)
			bpf_map_delete_elem(&dnsward_tcp_flows, &k);
		return dw_pass(DW_CNT_TCP_CONTINUATION);
	}
	/* The next message starts in this segment: the core judges it. */
	why = dw_tcp_locate(ctx, xdp, s, h->pay_off + (st->next - seq));
	if (why)
		return dw_tcp_dropped(st, h->dns_len ? st->next + 2 + h->dns_len : seq + paylen,
				      why);
	h->tcpflow = DW_TCPF_TRACKED;
	return DW_TSEG_JUDGE;
as_before:
	/* Judged alone, as a segment that starts a message or not. */
	if (rc == DW_P_REPLY)
		return DW_TSEG_JUDGE;
	return dw_pass(DW_CNT_NOT_DNS);
}

/*
 * A later message start in the same segment, length prefix at frame offset
 * off: 0 and its length in *len when it may pass, else the drop counter.
 */
static __always_inline int dw_tcp_later(void *ctx, int xdp, struct dw_scratch *s, __u32 off,
					__u32 *len)
{
	struct dw_zone_key *zk;
	struct dw_zone *z;
	int why = dw_tcp_locate(ctx, xdp, s, off);

	if (why)
		return why;
	*len = s->hd.dns_len;
	zk = dw_zone_key(s);
	z = zk ? bpf_map_lookup_elem(&dnsward_zones, zk) : 0;
	if (!z)
		return 0;
	dw_count(DW_CNT_TCP_MULTI);
	if (z->mode == DW_MODE_MONITOR || z->failure == DW_FAIL_OPEN) {
		dw_count(DW_CNT_FAIL_OPEN_PASSED);
		return 0;
	}
	return DW_CNT_FAIL_CLOSED_DROPPED;
}

/* After the judgement act of the message at hd.dns_off: move the flow on, or record the drop. */
static __always_inline int dw_tcp_post(void *ctx, int xdp, struct dw_scratch *s, int act)
{
	struct dw_tcp_flow_key k = {};
	struct dw_hdrs *h = &s->hd;
	__u32 seq = h->tcp_seq, seg_end, end, len = 0, i;
	__u32 pay_off = h->pay_off, first_len = h->dns_len, flags = h->tcp_flags;
	struct dw_tcp_flow *st;
	int why;

	if (dw_tcp_key(ctx, xdp, h, &k))
		return act;
	st = bpf_map_lookup_elem(&dnsward_tcp_flows, &k);
	if (!st)
		return act; /* evicted meanwhile: the next segment is untracked */
	seg_end = seq + (h->l3_end - pay_off);
	end = seq + (h->dns_off - pay_off) + first_len; /* start + 2 + length */
	if (act != DW_ACT_PASS) {
		st->decision = DW_TCP_DROPPED;
		st->msg_end = end;
		return act;
	}
	for (i = 0; i < DW_TCP_MSGS_MAX; i++) {
		if ((__s32)(end - seg_end) >= 0)
			break;
		why = dw_tcp_later(ctx, xdp, s, pay_off + (end - seq), &len);
		if (why)
			return dw_tcp_dropped(st, seg_end, why);
		end += 2 + len;
	}
	if ((__s32)(end - seg_end) < 0)
		return dw_tcp_dropped(st, seg_end, DW_CNT_TCP_MULTI);
	st->next = end;
	st->msg_end = end;
	st->decision = DW_TCP_PASSED;
	if (flags & DW_TCP_FIN)
		bpf_map_delete_elem(&dnsward_tcp_flows, &k);
	return act;
}

/*
 * One global function per hook and step: each is verified once, on its own.
 * Each finds the scratch itself: a map value pointer, which every kernel
 * accepts as a map key (a pointer argument is plain memory to the verifier,
 * and 6.1 refuses plain memory as the zone lookup's key).
 */
#define DW_TCP_FNS(sfx, ctx_type, is_xdp)                                                          \
	__noinline int dw_tcp_pre_##sfx(ctx_type *ctx, int rc)                                     \
	{                                                                                          \
		struct dw_scratch *s;                                                              \
		__u32 zero = 0;                                                                    \
                                                                                                   \
		s = bpf_map_lookup_elem(&dw_scratch_map, &zero);                                   \
		if (!ctx || !s)                                                                    \
			return DW_TSEG_PASS;                                                       \
		return dw_tcp_pre(ctx, is_xdp, s, rc);                                             \
	}                                                                                          \
	__noinline int dw_tcp_post_##sfx(ctx_type *ctx, int act)                                   \
	{                                                                                          \
		struct dw_scratch *s;                                                              \
		__u32 zero = 0;                                                                    \
                                                                                                   \
		s = bpf_map_lookup_elem(&dw_scratch_map, &zero);                                   \
		if (!ctx || !s)                                                                    \
			return act;                                                                \
		return dw_tcp_post(ctx, is_xdp, s, act);                                           \
	}

DW_TCP_FNS(xdp, struct xdp_md, 1)
DW_TCP_FNS(tc, struct __sk_buff, 0)

/*
 * The core's two call sites. dw_tcp_segment: for a TCP segment from the DNS
 * port (hd.tcpflow set by the parser), DW_TSEG_JUDGE to go on judging the
 * message at hd.dns_off, else the action. dw_tcp_judged: hands the
 * judgement of a tracked message start back to the flow.
 */
static __always_inline int dw_tcp_segment(void *ctx, int xdp, struct dw_scratch *s, int rc)
{
	if (xdp)
		return dw_tcp_pre_xdp(ctx, rc);
	return dw_tcp_pre_tc(ctx, rc);
}

static __always_inline int dw_tcp_judged(void *ctx, int xdp, struct dw_scratch *s, int act)
{
	if (s->hd.tcpflow != DW_TCPF_TRACKED)
		return act;
	if (xdp)
		return dw_tcp_post_xdp(ctx, act);
	return dw_tcp_post_tc(ctx, act);
}

#endif /* DW_TCPFLOW_BPF_H */
