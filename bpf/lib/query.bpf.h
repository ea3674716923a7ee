/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * query.bpf.h: the query hook. A workload's DNS query for a name in an
 * enforced zone is remembered as outstanding (outstanding.bpf.h) and, with
 * prefetch on, sent to the daemon as a small punt record
 * (DW_PUNT_F_QUERY: the frame up to the end of the question), so the
 * validator starts proving the question while the resolver works on it and
 * the held reply finds the truth cached or in flight. The hook never drops,
 * delays or changes a packet: every path returns pass. UDP only (a query
 * over TCP is not prefetched: its reply is judged when it arrives), but for
 * the SYN that opens a connection to the DNS port (tcpsyn.bpf.h). Monitor zones
 * are not prefetched: their replies are never held, so there is no wait to
 * save.
 */
#ifndef DW_QUERY_BPF_H
#define DW_QUERY_BPF_H

#include "lib/core.bpf.h"
#include "lib/outstanding.bpf.h"

/* Bytes tc pulls into the linear area when a query's question is not there. */
#define DW_QUERY_PULL_LEN 512

/*
 * Prefetches spend their own token buckets, apart from the held replies' (a
 * burst of queries never spends a token a held reply needs): the same map
 * and rate (cfg.punt_rate, cfg.punt_burst), keyed by zone_id with this bit
 * set (zone ids are below DW_ZONES_MAX; the map holds DW_ZONES_MAX buckets,
 * twice the zones a policy may have).
 */
#define DW_PREFETCH_BUCKET 0x80000000u

/*
 * Held replies come first in the shared ring: a prefetch is only sent while
 * at most half of it waits unread.
 */
static __always_inline int dw_prefetch_ring_room(void)
{
	return bpf_ringbuf_query(&dnsward_punts, BPF_RB_AVAIL_DATA) <= DW_PUNT_RING_BYTES / 2;
}

/*
 * The question in s->qv has a live proven answer (the daemon wrote it into
 * dnsward_proven): its reply will meet an ALLOW verdict or the validator's
 * cache, so a prefetch would only wake the daemon for nothing.
 */
static __always_inline int dw_question_proven(struct dw_scratch *s, __u64 now)
{
	__u64 *expires = bpf_map_lookup_elem(&dnsward_proven, &s->qv.q);

	return expires && now < *expires;
}

/* Fills and sends the record for the question ending at frame offset end. */
static __always_inline void dw_prefetch_send(struct __sk_buff *skb, struct dw_scratch *s,
					     const struct dw_zone *z, __u32 end, __u64 now)
{
	struct dw_hdrs *h = &s->hd;
	__u64 n = end;

	if (n < 1 || n > DW_PUNT_PKT_MAX)
		n = 0;
	if (!n || bpf_skb_load_bytes(skb, 0, s->punt.pkt, dw_copy_len(n, DW_PUNT_PKT_MAX))) {
		dw_count(DW_CNT_QUERY_MALFORMED);
		return;
	}
	__builtin_memset(&s->punt.key, 0, sizeof(s->punt.key));
	dw_punt_fill(s, h, z, skb->ifindex, dw_tc_hook(skb), DW_IPPROTO_UDP, DW_PUNT_F_QUERY,
		     n - h->dns_off, n, now);
	if (dw_punt_send(s)) {
		dw_count(DW_CNT_QUERY_RING_FULL);
		return;
	}
	dw_count(DW_CNT_QUERY_PREFETCH);
}

/* A DNS query parsed into s->hd: its question, its zone, then the prefetch. */
static __always_inline void
dw_query_question(struct __sk_buff *skb, const struct dw_datapath_cfg *cfg, struct dw_scratch *s)
{
	struct dw_zone_key *zk;
	struct dw_zone *z;
	__u32 lim, end;
	__u64 now;
	__u8 *qt;
	int rc;

	lim = s->hd.dns_off + s->hd.avail;
	rc = dw_question_tc(skb, s, s->hd.dns_off, lim);
	dw_barrier();
	end = s->q_end + 4; /* qtype and qclass */
	if (rc < 0 || end > lim) {
		dw_count(DW_CNT_QUERY_MALFORMED);
		return;
	}
	qt = (void *)(long)skb->data + (s->q_end & DW_FRAME_MASK);
	if ((void *)(qt + 4) > (void *)(long)skb->data_end) {
		dw_count(DW_CNT_QUERY_MALFORMED);
		return;
	}
	zk = dw_zone_key(s);
	z = zk ? bpf_map_lookup_elem(&dnsward_zones, zk) : 0;
	if (!z || z->mode != DW_MODE_ENFORCE)
		return; /* unprotected, or monitored (never held) */
	now = bpf_ktime_get_boot_ns();
	/* Remembered whatever the prefetch switch says: the reply hooks check replies against it. */
	if (dw_query_track(skb, s, now) || (cfg->enabled & DW_CFG_NO_PREFETCH))
		return;
	if (dw_heartbeat_stale(cfg, now))
		return; /* no daemon to read it */
	if (dw_question_proven(s, now)) {
		dw_count(DW_CNT_QUERY_PROVEN);
		return;
	}
	if (!dw_prefetch_ring_room()) {
		dw_count(DW_CNT_QUERY_RING_FULL);
		return;
	}
	if (!dw_punt_allowed(cfg, z->zone_id | DW_PREFETCH_BUCKET, now)) {
		dw_count(DW_CNT_QUERY_RATE_LIMITED);
		return;
	}
	dw_prefetch_send(skb, s, z, end, now);
}

/* The SYN's 4-tuple as the reply direction's key: its destination is the server. */
static __always_inline int dw_tcp_syn_key(struct __sk_buff *skb, const struct dw_hdrs *h,
					  const __u8 ports[4], struct dw_tcp_flow_key *k)
{
	long err;

	__builtin_memcpy(&k->sport, ports + 2, 2);
	__builtin_memcpy(&k->dport, ports, 2);
	if (h->l3 == 4) {
		k->family = 2;
		err = bpf_skb_load_bytes(skb, h->l3_off + 16, k->saddr, 4);
		err |= bpf_skb_load_bytes(skb, h->l3_off + 12, k->daddr, 4);
	} else {
		k->family = 10;
		err = bpf_skb_load_bytes(skb, h->l3_off + 24, k->saddr, 16);
		err |= bpf_skb_load_bytes(skb, h->l3_off + 8, k->daddr, 16);
	}
	return err ? -1 : 0;
}

/*
 * The query hook: a workload's SYN (no ACK) to the DNS port is remembered.
 * Every SYN is, whoever sends it (the validator's own TCP queries too: their
 * answers need their flows). A global function: verified once, on its own;
 * it never drops.
 */
__noinline int dw_tcp_syn_note(struct __sk_buff *skb)
{
	struct dw_tcp_flow_key k = {};
	struct dw_datapath_cfg *cfg;
	struct dw_hdrs h = {};
	__u8 ports[4], fl = 0;
	__u32 zero = 0;
	__u64 expires;
	int proto = -1, rc;

	cfg = bpf_map_lookup_elem(&dnsward_config, &zero);
	if (!skb || !cfg || !cfg->enabled)
		return 0;
	rc = dw_parse_l3_skb(skb, &h, &proto);
	if (rc != DW_P_REPLY || proto != DW_IPPROTO_TCP || h.frag)
		return 0;
	if (bpf_skb_load_bytes(skb, h.l4_off, ports, 4) ||
	    bpf_skb_load_bytes(skb, h.l4_off + 13, &fl, 1))
		return 0;
	if ((fl & (DW_TCP_SYN | DW_TCP_ACK | DW_TCP_RST)) != DW_TCP_SYN)
		return 0;
	if (!dw_is_dns_port(*(__be16 *)(ports + 2), cfg->dns_port ? cfg->dns_port : 53))
		return 0;
	if (dw_tcp_syn_key(skb, &h, ports, &k))
		return 0;
	expires = bpf_ktime_get_boot_ns() + DW_TCP_SYN_TRACK_NS;
	if (!bpf_map_update_elem(&dnsward_tcp_syns, &k, &expires, BPF_ANY))
		dw_count(DW_CNT_TCP_SYN_SEEN);
	return 0;
}

/* The UDP header onwards; only DNS queries get this far. */
static __always_inline void dw_query_udp(struct __sk_buff *skb, struct dw_hdrs *h)
{
	struct dw_datapath_cfg *cfg;
	struct dw_scratch *s;
	void *data, *data_end;
	__u32 zero = 0;
	int rc;

	cfg = bpf_map_lookup_elem(&dnsward_config, &zero);
	if (!cfg || !cfg->enabled)
		return;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	rc = dw_parse_query_l4(data, data_end, skb->len, cfg->dns_port ? cfg->dns_port : 53, h);
	if (rc == DW_P_NOT_DNS)
		return;
	/* The validator's own upstream queries (socket mark, seen at egress) ask
	 * what it is proving already. */
	if (skb->mark == DW_VALIDATOR_MARK)
		return;
	dw_count(DW_CNT_QUERY_SEEN);
	if (rc != DW_P_QUERY) {
		dw_count(DW_CNT_QUERY_MALFORMED);
		return;
	}
	/* The question is read in place: make the message linear (queries are small). */
	if (skb->data_end - skb->data < h->l3_end)
		bpf_skb_pull_data(skb, skb->len < DW_QUERY_PULL_LEN ? skb->len : DW_QUERY_PULL_LEN);
	s = bpf_map_lookup_elem(&dw_scratch_map, &zero);
	if (!s)
		return;
	s->hd = *h;
	dw_barrier();
	dw_query_question(skb, cfg, s);
}

static __always_inline void dw_query(struct __sk_buff *skb)
{
	struct dw_hdrs h = {};
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	int rc;

	rc = dw_parse_query_l3(data, data_end, skb->len, &h);
	if (rc == DW_P_SHORT) {
		/* Headers beyond the linear area (rare): pull them and parse again. */
		bpf_skb_pull_data(skb, skb->len < DW_PULL_LEN ? skb->len : DW_PULL_LEN);
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
		rc = dw_parse_query_l3(data, data_end, skb->len, &h);
	}
	if (rc == DW_P_QUERY)
		rc = dw_query_tunnel(skb, &h); /* a query inside VXLAN or Geneve (encap.bpf.h) */
	if (rc == DW_P_QUERY)
		dw_query_udp(skb, &h);
}

#endif /* DW_QUERY_BPF_H */
