/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tcphold.bpf.h: the segments of a protected DNS-over-TCP message that spans
 * segments, held on the XDP hook. The digest needs the whole message, which
 * no one segment has, so every segment of it is dropped and punted on its
 * own (DW_PUNT_F_TCP_PART: the frame, where the message starts and how long
 * it is); the daemon reassembles the message, validates it like any held
 * reply and, when it is allowed, re-injects the held frames in order and
 * moves the flow past the message (user/daemon/tcp_reasm.c).
 *
 * Only XDP holds: a live frame the daemon re-injects there does not meet the
 * device's XDP program again, so a released segment needs no proof of its
 * own. tc hooks see re-injected frames again, and keep the zone's failure
 * mode for such messages. The flow (tcpflow.bpf.h) stays DROPPED at the
 * message, with DW_TCP_FLOW_HELD: its first segment is judged, held and
 * punted again whenever it comes, the others are punted from there.
 */
#ifndef DW_TCPHOLD_BPF_H
#define DW_TCPHOLD_BPF_H

#include "lib/verdict.bpf.h"

/*
 * Punts the frame as one held segment of the message of msg_len bytes whose
 * length prefix is at sequence number msg_seq. Returns 0, or the counter
 * that says why it was not punted. rate_id: the punt-rate bucket.
 */
__noinline int dw_tcp_hold_xdp(struct xdp_md *ctx, __u32 frame_len, __u32 rate_id, __u32 msg_seq,
			       __u32 msg_len)
{
	struct dw_zone z = {.zone_id = rate_id};
	struct dw_datapath_cfg *cfg;
	struct dw_scratch *s;
	__u32 zero = 0, copied, rc;
	__u64 now;

	cfg = bpf_map_lookup_elem(&dnsward_config, &zero);
	s = bpf_map_lookup_elem(&dw_scratch_map, &zero);
	if (!ctx || !cfg || !s)
		return DW_CNT_FAIL_CLOSED_DROPPED;
	copied = dw_copy_frame(ctx, 1, s, frame_len);
	if (frame_len > DW_PUNT_PKT_MAX || copied != frame_len)
		return DW_CNT_TOO_BIG;
	now = bpf_ktime_get_boot_ns();
	if (dw_heartbeat_stale(cfg, now))
		return DW_CNT_STALE_HEARTBEAT;
	rc = dw_punt_admit(cfg, s, &s->hd, rate_id, now);
	if (rc)
		return rc;
	__builtin_memset(&s->punt.key, 0, sizeof(s->punt.key));
	dw_punt_fill(s, &s->hd, &z, ctx->ingress_ifindex, DW_HOOK_XDP, DW_IPPROTO_TCP,
		     DW_PUNT_F_HELD | DW_PUNT_F_TCP_PART, msg_len, copied, now);
	s->punt.dns_off = s->hd.pay_off;
	s->punt.tcp_msg_seq = msg_seq;
	if (dw_punt_send(s))
		return DW_CNT_RING_FULL;
	dw_count(DW_CNT_PUNTED);
	return 0;
}

/*
 * The message at hd.dns_off (zone z) does not end in this segment: held and
 * punted on XDP in an enforced zone, else the zone's failure mode.
 */
static __always_inline int dw_tcp_hold_first(void *ctx, int xdp, struct dw_scratch *s,
					     const struct dw_zone *z, __u32 frame_len)
{
	struct dw_hdrs *h = &s->hd;
	__u32 why;

	if (!xdp || z->mode != DW_MODE_ENFORCE || (h->tcpflow & DW_TCPF_KIND) != DW_TCPF_TRACKED)
		return dw_failure(z);
	why = dw_tcp_hold_xdp(ctx, frame_len, z->zone_id,
			      h->tcp_seq + (h->dns_off - 2 - h->pay_off), h->dns_len);
	if (why) {
		dw_count(why);
		return dw_failure(z);
	}
	h->tcpflow |= DW_TCPF_HELD;
	return dw_drop(DW_CNT_HELD);
}

/* A later segment of a held message (DW_TSEG_HOLD): punted and dropped, or only dropped. */
static __always_inline int dw_tcp_hold_part(void *ctx, int xdp, struct dw_scratch *s,
					    __u32 frame_len)
{
	__u32 why;

	if (!xdp)
		return dw_drop(DW_CNT_TCP_AFTER_DROP);
	why = dw_tcp_hold_xdp(ctx, frame_len, DW_PUNT_RATE_TCP_PARTS, s->punt.tcp_msg_seq,
			      s->hd.dns_len);
	if (why) {
		dw_count(why);
		return dw_drop(DW_CNT_TCP_AFTER_DROP);
	}
	return dw_drop(DW_CNT_HELD);
}

#endif /* DW_TCPHOLD_BPF_H */
