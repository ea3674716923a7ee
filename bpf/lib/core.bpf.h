/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * core.bpf.h: the per-packet decision shared by the XDP and tc entry points.
 * Kernel needs (the kernel matrix, tests/kernels, proves 6.1 and later):
 * bpf_loop (5.17) walks the question's labels and the digest's records and
 * names; bpf_xdp_load_bytes (5.18) copies on XDP; ring buffer and boot clock
 * are 5.8. The verifier's work stays small on every kernel because the
 * heavy parts are global functions, each verified once on its own (the
 * judgement, the question walk, the name hash of the digest, the TCP flow
 * steps), and loops over packet bytes are bpf_loop callbacks over copies in
 * the per-CPU scratch (masked offsets, no per-byte bounds branches). The
 * header parse and the memo read the packet in place (tc first makes a DNS
 * reply's message linear); a protected reply is copied whole into the
 * scratch for the digest and the punt (linear frames on XDP: the programs
 * are not frags-aware).
 */
#ifndef DW_CORE_BPF_H
#define DW_CORE_BPF_H

#include "lib/parse.bpf.h"
#include "lib/digest.bpf.h"
#include "lib/verdict.bpf.h"
#include "lib/tcpflow.bpf.h"
#include "lib/selfreply.bpf.h"
#include "lib/memo.bpf.h"
#include "lib/outstanding.bpf.h"
#include "lib/tcphold.bpf.h"

struct dw_hook_info {
	__u32 mark;
	__u8 hook; /* enum dw_hook */
};

/*
 * The device the packet arrived on (XDP) or is on (tc). Read only for a punt:
 * on XDP it is three dependent loads (rxq, dev, ifindex) every other packet
 * would pay for nothing.
 */
static __always_inline __u32 dw_ifindex(void *ctx, int xdp)
{
	if (xdp)
		return ((struct xdp_md *)ctx)->ingress_ifindex;
	return ((struct __sk_buff *)ctx)->ifindex;
}

/* A tc program's side: at ingress the receiving device is the skb's device; at egress it is not. */
static __always_inline __u8 dw_tc_hook(const struct __sk_buff *skb)
{
	return skb->ingress_ifindex == skb->ifindex ? DW_HOOK_TC_INGRESS : DW_HOOK_TC_EGRESS;
}

/*
 * tc: a DNS reply's message must be linear for the in-place question walk;
 * pull it (up to what a punt can carry) when it is not. Only DNS replies pay.
 */
static __always_inline void dw_tc_linearize(void *ctx, __u32 frame_len)
{
	struct __sk_buff *skb = ctx;
	__u32 want = frame_len > DW_PUNT_PKT_MAX ? DW_PUNT_PKT_MAX : frame_len;

	if (skb->data_end - skb->data < want)
		bpf_skb_pull_data(skb, want);
}

/*
 * A marked reply (tc) re-injected by the daemon: its proof, taken once. The
 * key is read from the copy: the verdict key just computed, the DNS ID and
 * the UDP destination port (the 8-byte header ends at dns_off).
 */
static __always_inline int dw_release_proven(struct dw_scratch *s, const struct dw_hdrs *h,
					     const struct dw_verdict_key *key)
{
	struct dw_release_proof pr = {};
	__u32 o = h->dns_off;
	__u64 *expires;

	pr.key = *key;
	pr.id[0] = s->punt.pkt[o & (DW_PUNT_PKT_MAX - 1)];
	pr.id[1] = s->punt.pkt[(o + 1) & (DW_PUNT_PKT_MAX - 1)];
	pr.dport[0] = s->punt.pkt[(o - 6) & (DW_PUNT_PKT_MAX - 1)];
	pr.dport[1] = s->punt.pkt[(o - 5) & (DW_PUNT_PKT_MAX - 1)];
	pr.dns_len = h->dns_len;
	expires = bpf_map_lookup_elem(&dnsward_release_proofs, &pr);
	if (!expires || bpf_ktime_get_boot_ns() > *expires)
		return 0;
	/* One copy per proof: whoever deletes it first is the release. */
	return bpf_map_delete_elem(&dnsward_release_proofs, &pr) == 0;
}

/* The verdict, else the punt; z is the matched zone, the frame is whole and copied. */
static __always_inline int dw_protected(void *ctx, int xdp, struct dw_scratch *s,
					const struct dw_datapath_cfg *cfg, const struct dw_zone *z,
					struct dw_hdrs *h, struct dw_hook_info *hi, __u32 copied)
{
	struct dw_verdict_key key = {};
	struct dw_verdict *v;
	__u8 pflags = 0;
	__u64 now;
	__u32 rc;

	rc = dw_digest(s, cfg, h->dns_off, h->dns_len, &key);
	if (rc == DW_DIGEST_MALFORMED) {
		dw_count(DW_CNT_MALFORMED);
		return dw_failure(z);
	}
	if (rc == DW_DIGEST_TOO_COMPLEX) {
		dw_count(DW_CNT_TOO_COMPLEX);
		pflags |= DW_PUNT_F_TOO_COMPLEX;
	}
	if (hi->mark == DW_RELEASE_MARK && h->l4 == DW_IPPROTO_UDP) {
		if (dw_release_proven(s, h, &key)) {
			dw_count(DW_CNT_RELEASE_MARK);
			return DW_ACT_RELEASE;
		}
		dw_count(DW_CNT_RELEASE_UNPROVEN);
	}
	if (rc != DW_DIGEST_TOO_COMPLEX) {
		v = bpf_map_lookup_elem(&dnsward_verdicts, &key);
		if (v && v->verdict == DW_VERDICT_ALLOW &&
		    !dw_ttl_within(s->ds.maxttl, v->expires_ns, v->ttl_over, dw_tick_now(s))) {
			dw_count(DW_CNT_TTL_EXCEEDED);
			v = NULL; /* judged as a miss: the validator checks each TTL */
		}
		if (v && (!v->expires_ns || dw_tick_now(s) < v->expires_ns) &&
		    (v->verdict == DW_VERDICT_ALLOW || v->verdict == DW_VERDICT_DENY)) {
			dw_memo_keep(ctx, xdp, s, h->dns_off, h->dns_len, DW_MEMO_REPLY, v);
			if (v->verdict != DW_VERDICT_ALLOW)
				return dw_drop(DW_CNT_DENIED);
			/* A proven message: its flow keeps its state through floods. */
			if (h->l4 == DW_IPPROTO_TCP)
				h->tcpflow |= DW_TCPF_PROT;
			return dw_pass(DW_CNT_ALLOWED);
		}
	}
	/* A miss. The validator's own upstream replies go straight to it: it
	 * believes nothing they say until DNSSEC proves it (selfreply.bpf.h). */
	if (dw_selfreply(ctx, s, h))
		return dw_pass(DW_CNT_VALIDATOR_REPLY);
	now = bpf_ktime_get_boot_ns();
	/* A daemon that stopped beating cannot judge; then the punt rate, then the ring. */
	if (dw_heartbeat_stale(cfg, now)) {
		dw_count(DW_CNT_STALE_HEARTBEAT);
		return dw_failure(z);
	}
	rc = dw_punt_admit(cfg, s, h, z->zone_id, now);
	if (rc) {
		dw_count(rc);
		return dw_failure(z);
	}
	if (z->mode != DW_MODE_MONITOR)
		pflags |= DW_PUNT_F_HELD;
	s->punt.key = key;
	dw_punt_fill(s, h, z, dw_ifindex(ctx, xdp), hi->hook, h->l4, pflags, h->dns_len, copied,
		     now);
	if (dw_punt_send(s)) {
		dw_count(DW_CNT_RING_FULL);
		return dw_failure(z);
	}
	dw_count(DW_CNT_PUNTED);
	if (z->mode == DW_MODE_MONITOR)
		return dw_pass(DW_CNT_MONITOR_PASSED);
	return dw_drop(DW_CNT_HELD);
}

/* The message at s->hd.dns_off: its question, its zone, then its verdict. */
static __always_inline int dw_judge(void *ctx, int xdp, __u32 frame_len, struct dw_hook_info *hi,
				    const struct dw_datapath_cfg *cfg, struct dw_scratch *s)
{
	struct dw_hdrs *hp = &s->hd;
	struct dw_zone_key *zk;
	struct dw_zone *z;
	__u32 copied, lim;
	int rc;

	/* A UDP reply to a remembered query must carry its question (outstanding.bpf.h);
	 * checked before the memo, whose entries ignore the ID. */
	s->solicited = 0;
	if (hp->l4 == DW_IPPROTO_UDP && !hp->frag) {
		rc = dw_solicited(ctx, xdp, s);
		if (rc == DW_SOL_MISMATCH)
			return dw_drop(DW_CNT_QUESTION_MISMATCH);
		s->solicited = rc == DW_SOL_MATCH;
	}
	/* The same message again is decided by the memo (memo.bpf.h). */
	rc = dw_memo_judge(ctx, xdp, s, cfg, hp);
	if (rc >= 0)
		return rc;
	/* The question and its zone. */
	lim = hp->dns_off + hp->avail;
	if (xdp)
		rc = dw_question_xdp(ctx, s, hp->dns_off, lim);
	else
		rc = dw_question_tc(ctx, s, hp->dns_off, lim);
	dw_barrier();
	if (rc < 0) {
		if (hp->l4 == DW_IPPROTO_TCP)
			return dw_drop(DW_CNT_TCP_SPLIT_QUESTION); /* the zone is unknown */
		if (hp->frag)
			return dw_drop(
			    DW_CNT_FRAG_DROPPED); /* the question is cut by the fragment */
		return dw_drop(DW_CNT_MALFORMED);
	}
	zk = dw_zone_key(s);
	z = zk ? bpf_map_lookup_elem(&dnsward_zones, zk) : 0;
	if (!z) {
		dw_memo_keep(ctx, xdp, s, hp->dns_off, s->q_end - hp->dns_off, DW_MEMO_UNPROTECTED,
			     0);
		return dw_pass(DW_CNT_NOT_PROTECTED);
	}
	/* What cannot be checked whole follows the failure mode. */
	if (hp->frag) {
		dw_count(DW_CNT_FRAGMENT);
		return dw_failure(z);
	}
	if (hp->l4 == DW_IPPROTO_TCP && hp->dns_len != hp->avail) {
		/* The validator's own large answers come in segments: they go to it. */
		if (dw_copy_frame(ctx, xdp, s, frame_len) && dw_selfreply(ctx, s, hp))
			return dw_pass(DW_CNT_VALIDATOR_REPLY);
		dw_count(DW_CNT_TCP_SEGMENT);
		return dw_tcp_hold_first(ctx, xdp, s, z, frame_len);
	}
	/* Only a protected reply is copied: the digest and the punt read the copy. */
	copied = dw_copy_frame(ctx, xdp, s, frame_len);
	if (frame_len > DW_PUNT_PKT_MAX || copied != frame_len) {
		dw_count(DW_CNT_TOO_BIG);
		return dw_failure(z);
	}
	/* A blind forgery answers no query this link saw leave: dropped before any
	 * punt. The validator's own replies answer its queries, which are not remembered. */
	if (hp->l4 == DW_IPPROTO_UDP && z->mode == DW_MODE_ENFORCE && !s->solicited &&
	    dw_queries_seen(dw_ifindex(ctx, xdp))) {
		if (dw_selfreply(ctx, s, hp))
			return dw_pass(DW_CNT_VALIDATOR_REPLY);
		return dw_drop(DW_CNT_UNSOLICITED);
	}
	return dw_protected(ctx, xdp, s, cfg, z, hp, hi, copied);
}

/*
 * Judging as one global function per hook: the verifier checks it once, on
 * its own, from a fresh state, instead of once for every way the header
 * parse and the TCP flow step reach it. It finds the configuration and the
 * scratch itself: a map value pointer, which every kernel accepts as a map
 * key (a pointer argument would be plain memory to the verifier).
 */
#define DW_JUDGE_FN(name, ctx_type, is_xdp)                                                        \
	__noinline int name(ctx_type *ctx, __u32 frame_len, __u32 hook, __u32 mark)                \
	{                                                                                          \
		struct dw_hook_info hi = {.hook = hook, .mark = mark};                             \
		struct dw_datapath_cfg *cfg;                                                       \
		struct dw_scratch *s;                                                              \
		__u32 zero = 0;                                                                    \
                                                                                                   \
		cfg = bpf_map_lookup_elem(&dnsward_config, &zero);                                 \
		s = bpf_map_lookup_elem(&dw_scratch_map, &zero);                                   \
		if (!ctx || !cfg || !s)                                                            \
			return DW_ACT_PASS;                                                        \
		return dw_judge(ctx, is_xdp, frame_len, &hi, cfg, s);                              \
	}

DW_JUDGE_FN(dw_judge_xdp, struct xdp_md, 1)
DW_JUDGE_FN(dw_judge_tc, struct __sk_buff, 0)

static __always_inline int dw_core(void *ctx, int xdp, void *data, void *data_end, __u32 frame_len,
				   struct dw_hook_info *hi)
{
	struct dw_hdrs h = {};
	struct dw_datapath_cfg *cfg;
	struct dw_scratch *s;
	__u32 zero = 0, port;
	int rc, act;

	dw_count(DW_CNT_PACKETS);
	cfg = bpf_map_lookup_elem(&dnsward_config, &zero);
	if (!cfg || !cfg->enabled)
		return DW_ACT_PASS; /* no policy loaded yet */
	port = cfg->dns_port ? cfg->dns_port : 53;
	rc = dw_parse_headers(data, data_end, frame_len, port, &h);
	if (rc == DW_P_UDP_OTHER) {
		rc = xdp ? dw_tunnel_xdp(ctx, &h, port) : dw_tunnel_tc(ctx, &h, port);
		dw_barrier();
		h.tcpflow = 0; /* inner UDP only: no TCP flow step to verify on this path */
	}
	if (rc == DW_P_SHORT)
		rc = DW_P_MALFORMED; /* still short after the pull: cannot be checked */
	if (rc == DW_P_NOT_DNS && !h.tcpflow)
		return dw_pass(DW_CNT_NOT_DNS); /* TCP from the DNS port goes to its flow */
	if (rc == DW_P_LATER_FRAG)
		return dw_pass(DW_CNT_FRAGMENT); /* reassembly fails without the first */
	if (rc == DW_P_FRAG_CUT)
		return dw_drop(DW_CNT_FRAG_DROPPED);
	if (rc != DW_P_REPLY && rc != DW_P_NOT_DNS)
		return dw_drop(DW_CNT_MALFORMED); /* could be protected: fail closed */
	if (h.encap)
		dw_count(DW_CNT_TUNNELED); /* judged as its inner packet (encap.bpf.h) */
	/* The resolver allowlist (for TCP, the whole conversation). */
	if (cfg->resolver_allowlist && !bpf_map_lookup_elem(&dnsward_resolvers, &h.src))
		return dw_drop(DW_CNT_ROGUE_RESOLVER);
	s = bpf_map_lookup_elem(&dw_scratch_map, &zero);
	if (!s)
		return DW_ACT_PASS;
	/* Continue from memory: one verifier state, whichever way the parse went. */
	s->hd = h;
	if (!xdp)
		dw_tc_linearize(ctx, frame_len);
	dw_barrier();
	/* TCP: place the segment in its flow's stream of messages (tcpflow.bpf.h). */
	if (s->hd.tcpflow) {
		rc = dw_tcp_segment(ctx, xdp, s, rc);
		if (rc == DW_TSEG_HOLD)
			return dw_tcp_hold_part(ctx, xdp, s, frame_len);
		if (rc != DW_TSEG_JUDGE)
			return rc == DW_TSEG_DROP ? DW_ACT_DROP : DW_ACT_PASS;
		dw_barrier();
	}
	if (xdp)
		act = dw_judge_xdp(ctx, frame_len, hi->hook, 0);
	else
		act = dw_judge_tc(ctx, frame_len, hi->hook, hi->mark);
	dw_barrier();
	return dw_tcp_judged(ctx, xdp, s, act);
}

#endif /* DW_CORE_BPF_H */
