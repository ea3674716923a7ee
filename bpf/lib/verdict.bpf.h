/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * verdict.bpf.h: the decisions after parsing: the one pass and the one drop
 * path (each counts its reason), the failure mode, the heartbeat, the punt
 * budget (a zone's fixed cap, each destination's share of the validator)
 * and the punt itself.
 */
#ifndef DW_VERDICT_BPF_H
#define DW_VERDICT_BPF_H

#include "lib/maps.bpf.h"

enum dw_act {
	DW_ACT_PASS = 0,
	DW_ACT_DROP = 1,
	DW_ACT_RELEASE = 2, /* pass a re-injected packet and clear its mark */
};

static __always_inline void dw_count(__u32 slot)
{
	__u64 *c = bpf_map_lookup_elem(&dnsward_counters, &slot);

	if (c)
		*c += 1;
}

static __always_inline int dw_pass(__u32 reason)
{
	dw_count(reason);
	return DW_ACT_PASS;
}

/* Every drop of the data plane goes through here: no silent drop. */
static __always_inline int dw_drop(__u32 reason)
{
	dw_count(reason);
	return DW_ACT_DROP;
}

/* When a protected reply cannot be checked: monitor zones and `failure: open` pass. */
static __always_inline int dw_failure(const struct dw_zone *z)
{
	if (z->mode == DW_MODE_MONITOR || z->failure == DW_FAIL_OPEN)
		return dw_pass(DW_CNT_FAIL_OPEN_PASSED);
	return dw_drop(DW_CNT_FAIL_CLOSED_DROPPED);
}

/*
 * The boot clock for verdict expiry, read at most once per CPU and tick: a
 * clock read costs more than the rest of a verdict hit in a VM, while
 * jiffies is a plain load. A verdict may so outlive its expiry by one tick
 * (at most 10 ms), far below the seconds of a TTL. Held replies stamp the
 * exact clock (dw_protected).
 */
static __always_inline __u64 dw_tick_now(struct dw_scratch *s)
{
	__u64 j = bpf_jiffies64();

	if (j != s->clk_jiffies || !s->clk_ns) {
		s->clk_ns = bpf_ktime_get_boot_ns();
		s->clk_jiffies = j;
	}
	return s->clk_ns;
}

/*
 * An ALLOW hit may deliver TTLs up to what the judged copy carried, aged
 * (struct dw_verdict's ttl_over): a forged copy with its TTLs raised is no
 * hit. A verdict that never expires bounds no TTL.
 */
static __always_inline int dw_ttl_within(__u32 maxttl, __u64 expires_ns, __u16 over, __u64 now)
{
	if (!expires_ns)
		return 1;
	return now + (__u64)maxttl * 1000000000ULL <=
	       expires_ns + (DW_TTL_OVER_S(over) + DW_TTL_SLACK_S) * 1000000000ULL;
}

static __always_inline int dw_heartbeat_stale(const struct dw_datapath_cfg *cfg, __u64 now)
{
	struct dw_heartbeat *hb;
	__u32 zero = 0;

	if (!cfg->heartbeat_timeout_ns)
		return 0;
	hb = bpf_map_lookup_elem(&dnsward_heartbeat, &zero);
	if (!hb)
		return 1;
	return now > hb->stamp_ns && now - hb->stamp_ns > cfg->heartbeat_timeout_ns;
}

/* One token-bucket step (credit in ns, a punt costs 1e9 / rate); 1 when a punt may go. */
static __always_inline int dw_bucket_take(struct dw_punt_bucket *b, __u32 rate, __u32 burst,
					  __u64 now)
{
	__u64 cost = 1000000000ULL / (rate ? rate : 1);
	__u64 cap = cost * (burst ? burst : 1), credit;

	credit = b->tokens + (now > b->last_ns ? now - b->last_ns : 0);
	if (credit > cap)
		credit = cap;
	b->last_ns = now;
	if (credit < cost) {
		b->tokens = credit;
		return 0;
	}
	b->tokens = credit - cost;
	return 1;
}

/* Token bucket per zone (limits.punt_rate, a fixed cap); returns 1 when this punt may go. */
static __always_inline int dw_punt_allowed(const struct dw_datapath_cfg *cfg, __u32 zone_id,
					   __u64 now)
{
	struct dw_punt_bucket *b, fresh;
	__u64 cost;

	if (!cfg->punt_rate)
		return 1;
	b = bpf_map_lookup_elem(&dnsward_punt_rate, &zone_id);
	if (!b) {
		cost = 1000000000ULL / cfg->punt_rate;
		fresh.last_ns = now;
		fresh.tokens = cost * (cfg->punt_burst ? cfg->punt_burst : 1) - cost;
		bpf_map_update_elem(&dnsward_punt_rate, &zone_id, &fresh, BPF_ANY);
		return 1;
	}
	return dw_bucket_take(b, cfg->punt_rate, cfg->punt_burst, now);
}

/*
 * How full the validator is: the level the daemon published (busy when it
 * stopped publishing), raised by the ring's own fill, which the kernel sees
 * at once while the daemon's word is a tick old.
 */
static __always_inline __u32 dw_budget_level(const struct dw_punt_budget *pb, __u64 now)
{
	__u64 unread = bpf_ringbuf_query(&dnsward_punts, BPF_RB_AVAIL_DATA);
	__u32 level = pb->level;

	if (unread > DW_PUNT_RING_BYTES / 4 * 3)
		return DW_BUDGET_FULL;
	if (level < DW_BUDGET_BUSY &&
	    (unread > DW_PUNT_RING_BYTES / 2 || now > pb->stamp_ns + DW_BUDGET_STALE_NS))
		level = DW_BUDGET_BUSY;
	return level;
}

/* The share's key: the reply's destination address (the workload), read from the copy. */
static __always_inline void dw_share_key(const struct dw_scratch *s, const struct dw_hdrs *h,
					 struct dw_addr_key *k)
{
	__u32 off = h->l3_off + (h->l3 == 4 ? 16 : 24), n = h->l3 == 4 ? 4 : 16, i;

	k->family = h->l3 == 4 ? 2 : 10; /* AF_INET, AF_INET6 */
#pragma unroll
	for (i = 0; i < 16; i++)
		if (i < n)
			k->addr[i] = s->punt.pkt[(off + i) & (DW_PUNT_PKT_MAX - 1)];
}

/* The destination's share, made with a full bucket the first time; NULL if the map refuses. */
static __always_inline struct dw_punt_share *dw_share(const struct dw_punt_budget *pb,
						      const struct dw_addr_key *k, __u64 now)
{
	struct dw_punt_share *d, fresh = {};

	d = bpf_map_lookup_elem(&dnsward_punt_dests, k);
	if (d)
		return d;
	fresh.bucket.last_ns = now;
	fresh.bucket.tokens = 1000000000ULL / pb->dest_rate * (pb->dest_burst ? pb->dest_burst : 1);
	bpf_map_update_elem(&dnsward_punt_dests, k, &fresh, BPF_NOEXIST);
	return bpf_map_lookup_elem(&dnsward_punt_dests, k);
}

/*
 * Whether a held reply may be punted: 0, or the counter that says why not.
 * The zone's fixed cap first (limits.punt_rate), then the budget
 * (dnsward.h, struct dw_punt_budget): with room every punt goes, when busy
 * a destination within its share, when full none. A destination's bucket is
 * charged with room too, so a workload that has been asking at full speed
 * is the first to be held to its share when the validator falls behind.
 */
static __always_inline __u32 dw_punt_admit(const struct dw_datapath_cfg *cfg,
					   const struct dw_scratch *s, const struct dw_hdrs *h,
					   __u32 zone_id, __u64 now)
{
	struct dw_addr_key k = {};
	struct dw_punt_budget *pb;
	struct dw_punt_share *d;
	__u32 zero = 0, level;
	int share;

	if (!dw_punt_allowed(cfg, zone_id, now))
		return DW_CNT_RATE_LIMITED;
	pb = bpf_map_lookup_elem(&dnsward_punt_budget, &zero);
	if (!pb || !pb->dest_rate)
		return 0;
	level = dw_budget_level(pb, now);
	dw_share_key(s, h, &k);
	d = dw_share(pb, &k, now);
	if (!d)
		return level == DW_BUDGET_FULL ? DW_CNT_PUNT_HOST_LIMITED : 0;
	if (level == DW_BUDGET_FULL) {
		__sync_fetch_and_add(&d->limited, 1);
		return DW_CNT_PUNT_HOST_LIMITED;
	}
	share = dw_bucket_take(&d->bucket, pb->dest_rate, pb->dest_burst, now);
	if (share || level == DW_BUDGET_ROOM) {
		__sync_fetch_and_add(&d->admitted, 1);
		return 0;
	}
	__sync_fetch_and_add(&d->limited, 1);
	return DW_CNT_PUNT_RATE_LIMITED;
}

/* Copies min(frame, DW_PUNT_PKT_MAX) bytes into the scratch; returns the count or 0. */
static __always_inline __u32 dw_copy_frame(void *ctx, int xdp, struct dw_scratch *s,
					   __u32 frame_len)
{
	__u32 n = frame_len > DW_PUNT_PKT_MAX ? DW_PUNT_PKT_MAX : frame_len;
	__u64 len = dw_copy_len(n, DW_PUNT_PKT_MAX);
	long err;

	if (n < 1)
		return 0;
	if (xdp)
		err = bpf_xdp_load_bytes(ctx, 0, s->punt.pkt, len);
	else
		err = bpf_skb_load_bytes(ctx, 0, s->punt.pkt, len);
	return err ? 0 : n;
}

/*
 * The punt record's header for the frame copied into s->punt.pkt (pkt_len
 * bytes); the verdict key is the caller's (zero for a query record).
 */
static __always_inline void dw_punt_fill(struct dw_scratch *s, const struct dw_hdrs *h,
					 const struct dw_zone *z, __u32 ifindex, __u8 hook, __u8 l4,
					 __u8 flags, __u32 dns_len, __u32 pkt_len, __u64 now)
{
	s->punt.ts_ns = now;
	s->punt.ifindex = ifindex;
	s->punt.zone_id = z->zone_id;
	s->punt.hook = hook;
	s->punt.l3 = h->l3;
	s->punt.l4 = l4;
	s->punt.flags = flags;
	s->punt.l3_off = h->l3_off;
	s->punt.dns_off = h->dns_off;
	s->punt.dns_len = dns_len;
	s->punt.pkt_len = pkt_len;
	s->punt.tcp_msg_seq = 0;
}

/* Sends the punt record (header plus pkt_len frame bytes); 0 or the helper's error. */
static __always_inline long dw_punt_send(struct dw_scratch *s)
{
	__u64 size = s->punt.pkt_len;

	if (size < 1 || size > DW_PUNT_PKT_MAX)
		return -1;
	return bpf_ringbuf_output(
	    &dnsward_punts, &s->punt,
	    __builtin_offsetof(struct dw_punt, pkt) + dw_copy_len(size, DW_PUNT_PKT_MAX), 0);
}

#endif /* DW_VERDICT_BPF_H */
