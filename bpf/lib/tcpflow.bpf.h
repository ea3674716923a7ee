/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tcpflow.bpf.h: DNS over TCP message boundaries, per flow. A TCP stream
 * from the DNS port is a sequence of messages, each a 2-byte length and the
 * message; a segment may start anywhere in it. Judging each segment as if it
 * started a message lets a server split a protected reply before the end of
 * its question and have every part pass, so the hook keeps, per flow (reply
 * direction), where the last judged message starts and ends (struct
 * dw_tcp_flow), learnt from the server's SYN-ACK (ISN + 1).
 *
 * The rule: every byte the hook passes lies in a message whose start it
 * judged and passed, and every segment that carries a message start the
 * receiver could take is judged there. So, for a tracked flow's data segment
 * (next: where the next message starts, the end of the passed messages or the
 * start of the dropped one):
 *  - it starts after next: the message start at next was dropped with its
 *    segment, or never seen (a gap): drop; TCP retransmits in order. Inside
 *    a message held on XDP (DW_TCP_FLOW_HELD, tcphold.bpf.h) it is held and
 *    punted as one of its segments;
 *  - it starts inside the last passed message: a continuation, passed up to
 *    next; if next lies inside it, that message start is judged;
 *  - it starts at next: judged there. Its 2-byte length and its whole
 *    question must be in this segment, or it cannot be judged and is dropped
 *    (DW_CNT_TCP_SPLIT_QUESTION: fail closed, whatever the zone, since the
 *    zone is unknown). A protected message that does not end in the segment
 *    is held on XDP in an enforced zone (tcphold.bpf.h), else follows the
 *    zone's failure mode. A dropped message leaves next at its start, so its
 *    continuation segments, and its retransmission's, are judged again from
 *    its start (a held reply then hits its verdict);
 *  - it starts where a passed segment's first message or its last message
 *    starts (the same segment seen by a second hook, or retransmitted): it is
 *    judged again, and must walk to the same message bounds, or it is dropped
 *    (DW_CNT_TCP_CONFLICT) and the state stays; a copy judged dropped leaves
 *    the passed one's state as it was;
 *  - it starts before those (older messages, or before the stream): out of
 *    the window, dropped (DW_CNT_TCP_OUT_OF_WINDOW). A receiver that lost
 *    such bytes after the hook passed them waits for a new connection.
 *  - Further message starts in the same segment (pipelined replies): each
 *    one's question is walked and its zone looked up; an unprotected one
 *    passes; a protected one is not digested or punted (one punt per packet)
 *    but follows its zone's failure mode (DW_CNT_TCP_MULTI), so a server that
 *    coalesces a protected reply behind another one in one segment is
 *    dropped in closed zones; at most DW_TCP_MSGS_MAX of them, more drop.
 *
 * Nothing in a segment's bytes is authenticated, and the hook cannot tell
 * whether the receiver will accept a segment: XDP sees no checksum state and
 * a tc hook sees partial checksums on locally made and veth-forwarded
 * packets, so a full checksum check would drop good packets. The rule above
 * does not depend on it: a segment the receiver discards (bad checksum, out
 * of its window) only ever passed with its message starts judged, and any
 * other copy that could start the receiver's message there is judged again
 * against the same bounds.
 *
 * Control segments change the state only inside the window, as RFC 5961
 * asks of the receiver itself: an RST or a FIN forgets the flow only when its
 * sequence number is exactly next (a FIN with data: when the data ends the
 * last message); a SYN-ACK that answers no SYN the query hook saw leave, on a
 * link where that hook runs, learns nothing (DW_CNT_TCP_SYNACK_UNSOLICITED,
 * tcpsyn.bpf.h); any other learns a flow that is new or has judged nothing
 * yet (DW_CNT_TCP_FLOW_LEARNED), never one with judged messages (another ISN
 * would move next), nor with an ISN before the learnt one: a segment that
 * starts before the receiver's next byte would then be judged from its
 * first byte, which the receiver drops, and the message the receiver reads
 * from its next byte on would pass unjudged. A later ISN moves next past the
 * receiver's: its data then never passes, the connection is lost, no forged
 * byte delivered.
 * Anything else is counted (DW_CNT_TCP_OUT_OF_WINDOW) and passed unchanged:
 * the receiver ignores it too.
 *
 * Untracked flows (the hook attached after the SYN-ACK, or the entry was
 * evicted) have no known message bounds: a segment passes only when it is one
 * whole message, judged as such (DW_CNT_TCP_UNTRACKED); any other data is
 * dropped (DW_CNT_TCP_SPLIT_QUESTION when no question can be read, else
 * DW_CNT_TCP_SEGMENT), whatever the zone. Flows whose protected message
 * passed on an ALLOW verdict, or is held for the validator, move to their own
 * LRU map (dnsward_tcp_pflows, DW_CNT_TCP_FLOW_PROTECTED) that neither forged
 * SYN-ACKs nor forged replies that are dropped can enter, so a flood of
 * connections evicts only flows that carried no proven protected message
 * (whose later segments are then dropped unless whole).
 *
 * Both steps are global functions per hook, verified once on their own. A
 * message start beyond the bytes the hook can read (tc: the pulled
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

#include "lib/tcpsyn.bpf.h"

/*
 * DNS-over-TCP flows, keyed by the reply direction: the last judged message
 * and its decision. LRU: a flood of connections evicts the oldest, which are
 * then untracked (counted).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DW_TCP_FLOWS_MAX);
	__type(key, struct dw_tcp_flow_key);
	__type(value, struct dw_tcp_flow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_tcp_flows SEC(".maps");

/* Flows that carried a protected message: only one that passed proven, or is held, moves one here. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DW_TCP_PFLOWS_MAX);
	__type(key, struct dw_tcp_flow_key);
	__type(value, struct dw_tcp_flow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_tcp_pflows SEC(".maps");

/* dw_hdrs.tcpflow bits on DW_TCPF_TRACKED: */
#define DW_TCPF_KIND	0x0f
#define DW_TCPF_REJUDGE 0x10 /* a passed message start judged again */
#define DW_TCPF_PROT	0x20 /* set by the judgement: a protected message passed on an ALLOW verdict */
#define DW_TCPF_HELD	0x40 /* set by the judgement: the message is held (tcphold.bpf.h) */

/* What the flow step tells the core: an action, or judge the message at hd.dns_off. */
enum dw_tseg {
	DW_TSEG_PASS = DW_ACT_PASS,
	DW_TSEG_DROP = DW_ACT_DROP,
	DW_TSEG_JUDGE = 3,
	DW_TSEG_HOLD = 4, /* a later segment of a held message: punt it (tcphold.bpf.h) */
};

#define dw_ctx_data(ctx, xdp)                                                                      \
	((xdp) ? (void *)(long)((struct xdp_md *)(ctx))->data                                      \
	       : (void *)(long)((struct __sk_buff *)(ctx))->data)
#define dw_ctx_data_end(ctx, xdp)                                                                  \
	((xdp) ? (void *)(long)((struct xdp_md *)(ctx))->data_end                                  \
	       : (void *)(long)((struct __sk_buff *)(ctx))->data_end)
#define dw_ctx_ifindex(ctx, xdp)                                                                   \
	((xdp) ? ((struct xdp_md *)(ctx))->ingress_ifindex : ((struct __sk_buff *)(ctx))->ifindex)

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

/* a before b in sequence space */
static __always_inline int dw_tcp_before(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

/* Where the next message to judge starts. */
static __always_inline __u32 dw_tcp_next(const struct dw_tcp_flow *st)
{
	return st->decision == DW_TCP_PASSED ? st->end : st->cur;
}

static __always_inline struct dw_tcp_flow *dw_tcp_find(const struct dw_tcp_flow_key *k)
{
	struct dw_tcp_flow *st = bpf_map_lookup_elem(&dnsward_tcp_pflows, k);

	return st ? st : bpf_map_lookup_elem(&dnsward_tcp_flows, k);
}

static __always_inline void dw_tcp_forget(const struct dw_tcp_flow_key *k)
{
	bpf_map_delete_elem(&dnsward_tcp_pflows, k);
	bpf_map_delete_elem(&dnsward_tcp_flows, k);
}

/* A message at `at` judged dropped: it is judged again from its start; its bytes up to end drop. */
static __always_inline int dw_tcp_dropped(struct dw_tcp_flow *st, __u32 at, __u32 end, __u32 reason)
{
	st->decision = DW_TCP_DROPPED;
	st->cur = at;
	st->end = end;
	st->first_back = 0;
	st->flags = 0;
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
 * A segment of a flow without state: passed only as one whole message,
 * judged on its own. Its place in the stream is unknown, so anything else
 * could carry a message start no one judged: dropped, whatever the zone.
 */
static __always_inline int dw_tcp_untracked(void *ctx, int xdp, struct dw_scratch *s, int rc)
{
	struct dw_hdrs *h = &s->hd;
	int why;

	if (h->pay_off >= h->l3_end)
		return dw_pass(DW_CNT_NOT_DNS); /* ACK, FIN: nothing to judge */
	dw_count(DW_CNT_TCP_UNTRACKED);
	if (h->frag)
		return dw_drop(DW_CNT_FRAGMENT);
	why = dw_tcp_locate(ctx, xdp, s, h->pay_off);
	if (why)
		return dw_drop(why);
	if (h->pay_off + 2 + h->dns_len != h->l3_end)
		return dw_drop(DW_CNT_TCP_SEGMENT);
	if (rc != DW_P_REPLY)
		return dw_pass(DW_CNT_NOT_DNS); /* a whole query (QR clear), as over UDP */
	return DW_TSEG_JUDGE;
}

/*
 * RST, SYN-ACK and a FIN without data: they change the flow only inside its
 * window. ifindex: the link the segment arrived on (tcpsyn.bpf.h).
 */
static __always_inline int dw_tcp_control(struct dw_hdrs *h, struct dw_tcp_flow_key *k,
					  struct dw_tcp_flow *st, __u32 paylen, __u32 ifindex)
{
	struct dw_tcp_flow fresh = {};
	__u32 seq = h->tcp_seq;
	__u8 fl = h->tcp_flags;

	if (fl & DW_TCP_RST) {
		if (st && seq == dw_tcp_next(st))
			dw_tcp_forget(k);
		else if (st)
			dw_count(DW_CNT_TCP_OUT_OF_WINDOW);
		return dw_pass(DW_CNT_NOT_DNS);
	}
	if ((fl & (DW_TCP_SYN | DW_TCP_ACK)) == (DW_TCP_SYN | DW_TCP_ACK)) {
		/*
		 * No workload opened this connection: nothing to learn. The
		 * receiver resets it; data it carries has no stream to be in.
		 */
		if (!dw_tcp_syn_seen(k, ifindex)) {
			if (paylen)
				return dw_drop(DW_CNT_TCP_SYNACK_UNSOLICITED);
			return dw_pass(DW_CNT_TCP_SYNACK_UNSOLICITED);
		}
		/*
		 * Another ISN would move next under passed messages; one before the
		 * learnt stream's start would let a segment that starts before the
		 * receiver's next byte be judged from there, as another message
		 * than the bytes the receiver keeps.
		 */
		if (st && (st->decision != DW_TCP_NONE || dw_tcp_before(seq + 1, st->cur))) {
			if (paylen)
				return dw_drop(DW_CNT_TCP_OUT_OF_WINDOW);
			return dw_pass(DW_CNT_TCP_OUT_OF_WINDOW);
		}
		seq += 1; /* the SYN takes one sequence number; the stream starts after */
		fresh.cur = seq;
		fresh.end = seq;
		bpf_map_update_elem(&dnsward_tcp_flows, k, &fresh, BPF_ANY);
		dw_count(DW_CNT_TCP_FLOW_LEARNED);
		h->tcp_seq = seq;
		return paylen ? DW_TSEG_JUDGE : dw_pass(DW_CNT_NOT_DNS);
	}
	if (st && (fl & DW_TCP_FIN)) {
		if (seq == dw_tcp_next(st))
			dw_tcp_forget(k);
		else
			dw_count(DW_CNT_TCP_OUT_OF_WINDOW);
	}
	return dw_pass(DW_CNT_NOT_DNS);
}

/*
 * Before the judgement: learn, forget, or place the segment against the
 * flow's messages, whatever its first bytes look like. rc: the header parse
 * (DW_P_REPLY when the payload starts like a reply), for untracked flows.
 */
static __always_inline int dw_tcp_pre(void *ctx, int xdp, struct dw_scratch *s, int rc)
{
	struct dw_tcp_flow_key k = {};
	struct dw_tcp_flow *st;
	struct dw_hdrs *h = &s->hd;
	__u32 seq, paylen, nxt, first, seg_end, at, why;
	int act, again;

	if (h->pay_off > h->l3_end || dw_tcp_key(ctx, xdp, h, &k))
		return dw_tcp_untracked(ctx, xdp, s, rc);
	paylen = h->l3_end - h->pay_off;
	st = dw_tcp_find(&k);
	if (h->tcp_flags & (DW_TCP_RST | DW_TCP_SYN) || !paylen) {
		act = dw_tcp_control(h, &k, st, paylen, dw_ctx_ifindex(ctx, xdp));
		if (act != DW_TSEG_JUDGE)
			return act;
		st = dw_tcp_find(&k); /* a SYN-ACK with data: learnt just now */
	}
	if (!st)
		return dw_tcp_untracked(ctx, xdp, s, rc);
	if (h->frag)
		return dw_drop(DW_CNT_FRAGMENT); /* its message starts cannot all be seen */
	seq = h->tcp_seq;
	seg_end = seq + paylen;
	nxt = dw_tcp_next(st);
	first = st->cur - st->first_back;
	if (dw_tcp_before(nxt, seq)) {
		if (st->decision != DW_TCP_DROPPED || !dw_tcp_before(seq, st->end))
			return dw_drop(DW_CNT_TCP_GAP);
		if (!xdp || !(st->flags & DW_TCP_FLOW_HELD))
			return dw_drop(DW_CNT_TCP_AFTER_DROP);
		/* Inside a held message: the hold step punts it with the message's place. */
		s->punt.tcp_msg_seq = st->cur;
		h->dns_len = st->end - st->cur - 2;
		return DW_TSEG_HOLD;
	}
	if (dw_tcp_before(seq, first))
		return dw_drop(DW_CNT_TCP_OUT_OF_WINDOW);
	/* first <= seq <= next: a passed segment again, a continuation, or next. */
	again =
	    st->decision == DW_TCP_PASSED && st->end != st->cur && (seq == first || seq == st->cur);
	at = seq;
	if (st->decision == DW_TCP_PASSED && !again) {
		if (dw_tcp_before(seq, st->cur))
			return dw_drop(DW_CNT_TCP_OUT_OF_WINDOW); /* inside an older message */
		if (!dw_tcp_before(nxt, seg_end)) {
			if ((h->tcp_flags & DW_TCP_FIN) && seg_end == nxt)
				dw_tcp_forget(&k); /* the last message's end, then FIN */
			return dw_pass(DW_CNT_TCP_CONTINUATION);
		}
		at = nxt;
	}
	why = dw_tcp_locate(ctx, xdp, s, h->pay_off + (at - seq));
	if (why) {
		if (again)
			return dw_drop(why); /* the copy that passed keeps its state */
		return dw_tcp_dropped(st, at, h->dns_len ? at + 2 + h->dns_len : seg_end, why);
	}
	h->tcpflow = DW_TCPF_TRACKED | (again ? DW_TCPF_REJUDGE : 0);
	return DW_TSEG_JUDGE;
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

/*
 * A flow whose protected message passed proven, or is held for the validator
 * (each hold costs a punt of the destination's budget), moves to the map that
 * forged SYN-ACKs cannot fill, with or without forged data.
 */
static __always_inline void dw_tcp_keep(const struct dw_tcp_flow_key *k, struct dw_tcp_flow *st)
{
	if (bpf_map_lookup_elem(&dnsward_tcp_pflows, k))
		return;
	if (bpf_map_update_elem(&dnsward_tcp_pflows, k, st, BPF_NOEXIST))
		return;
	bpf_map_delete_elem(&dnsward_tcp_flows, k);
	dw_count(DW_CNT_TCP_FLOW_PROTECTED);
}

/*
 * After the judgement act of the message at hd.dns_off: walk the later
 * messages of the segment, then move the flow on, or record the drop.
 * Returns the segment's action.
 */
static __always_inline int dw_tcp_walk(void *ctx, int xdp, struct dw_scratch *s,
				       struct dw_tcp_flow *st, int act)
{
	struct dw_hdrs *h = &s->hd;
	__u32 seq = h->tcp_seq, pay_off = h->pay_off, seg_end, at, end, last, len = 0, i;
	int again = h->tcpflow & DW_TCPF_REJUDGE, why;

	seg_end = seq + (h->l3_end - pay_off);
	at = seq + (h->dns_off - 2 - pay_off);
	end = at + 2 + h->dns_len;
	last = at;
	if (act != DW_ACT_PASS) {
		if (!again) {
			st->decision = DW_TCP_DROPPED;
			st->cur = at;
			st->end = end;
			st->first_back = 0;
			st->flags = h->tcpflow & DW_TCPF_HELD ? DW_TCP_FLOW_HELD : 0;
		}
		return act;
	}
	for (i = 0; i < DW_TCP_MSGS_MAX; i++) {
		if (!dw_tcp_before(end, seg_end))
			break;
		why = dw_tcp_later(ctx, xdp, s, pay_off + (end - seq), &len);
		if (why) {
			if (again)
				return dw_drop(why);
			return dw_tcp_dropped(st, at, seg_end, why);
		}
		last = end;
		end += 2 + len;
	}
	if (dw_tcp_before(end, seg_end)) {
		if (again)
			return dw_drop(DW_CNT_TCP_MULTI);
		return dw_tcp_dropped(st, at, seg_end, DW_CNT_TCP_MULTI);
	}
	if (again)
		return end == st->end && last == st->cur ? act : dw_drop(DW_CNT_TCP_CONFLICT);
	st->decision = DW_TCP_PASSED;
	st->cur = last;
	st->end = end;
	st->first_back = last - at > 0xffff ? 0 : last - at;
	st->flags = 0;
	return act;
}

static __always_inline int dw_tcp_post(void *ctx, int xdp, struct dw_scratch *s, int act)
{
	struct dw_tcp_flow_key k = {};
	struct dw_hdrs *h = &s->hd;
	struct dw_tcp_flow *st;

	if (dw_tcp_key(ctx, xdp, h, &k))
		return act;
	st = dw_tcp_find(&k);
	if (!st)
		return act; /* evicted meanwhile: the next segment is untracked */
	act = dw_tcp_walk(ctx, xdp, s, st, act);
	/* A FIN right after the last message closes the stream. */
	if (act == DW_ACT_PASS && (h->tcp_flags & DW_TCP_FIN) &&
	    h->tcp_seq + (h->l3_end - h->pay_off) == dw_tcp_next(st)) {
		dw_tcp_forget(&k);
		return act;
	}
	if (h->tcpflow & (DW_TCPF_PROT | DW_TCPF_HELD))
		dw_tcp_keep(&k, st);
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
	if ((s->hd.tcpflow & DW_TCPF_KIND) != DW_TCPF_TRACKED)
		return act;
	if (xdp)
		return dw_tcp_post_xdp(ctx, act);
	return dw_tcp_post_tc(ctx, act);
}

#endif /* DW_TCPFLOW_BPF_H */
