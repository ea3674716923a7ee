/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * maps.bpf.h: every map of the data plane, declared once (BTF style, pinned
 * by the DW_MAP_* names of dnsward.h), and the per-CPU scratch the parser
 * works in. The port map (dnsward_ports) is in lib/ports.bpf.h, which the
 * header parser included here needs first.
 */
#ifndef DW_MAPS_BPF_H
#define DW_MAPS_BPF_H

#include "dnsward.h"
#include "lib/compiler.bpf.h"
#include "dw_digest.h"
#include "dw_siphash.h"
#include "lib/parse.bpf.h"

/* Verdicts the validator wrote; LRU so a flood of misses cannot pin memory. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DW_VERDICTS_MAX);
	__type(key, struct dw_verdict_key);
	__type(value, struct dw_verdict);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_verdicts SEC(".maps");

/* Protected zones: longest-prefix match over reversed labels (struct dw_zone_key). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, DW_ZONES_MAX);
	__type(key, struct dw_zone_key);
	__type(value, struct dw_zone);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_zones SEC(".maps");

/* The daemon's runtime configuration; one slot. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dw_datapath_cfg);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_config SEC(".maps");

/* The daemon's liveness stamp; a stale one applies the failure mode to misses. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dw_heartbeat);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_heartbeat SEC(".maps");

/* Per-CPU counters, one slot per path (enum dw_counter), with room to grow. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DW_CNT_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_counters SEC(".maps");

/* Held and monitored replies for the validator (records of struct dw_punt,
 * cut after pkt_len bytes of pkt). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, DW_PUNT_RING_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_punts SEC(".maps");

/* Release proofs (struct dw_release_proof): value is the proof's expiry, boot clock. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DW_RELEASE_PROOFS_MAX);
	__type(key, struct dw_release_proof);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_release_proofs SEC(".maps");

/* Outstanding queries of enforced zones (dnsward.h, struct dw_query_key). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DW_QUERIES_MAX);
	__type(key, struct dw_query_key);
	__type(value, struct dw_query);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_queries SEC(".maps");

/* Links (ifindex) whose queries the query hook sees: only there is a reply unsolicited. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DW_QUERY_LINKS_MAX);
	__type(key, __u32);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_query_links SEC(".maps");

/* Encrypted-DNS resolvers (value: DW_ENCDNS_* bits), checked when cfg.enabled has DW_CFG_ENCDNS. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DW_ENCDNS_ADDRS_MAX);
	__type(key, struct dw_addr_key);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_encdns_addrs SEC(".maps");

/* Encrypted-DNS attempts refused or reported, per workload address (LRU: bounded). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DW_ENCDNS_CLIENTS_MAX);
	__type(key, struct dw_addr_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_encdns_clients SEC(".maps");
/* Questions with a live proven answer: the query hook sends them no prefetch. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DW_PROVEN_MAX);
	__type(key, struct dw_question_wire);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_proven SEC(".maps");

/* Resolver allowlist (value: any __u8), checked when cfg.resolver_allowlist is set. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DW_RESOLVERS_MAX);
	__type(key, struct dw_addr_key);
	__type(value, __u8);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_resolvers SEC(".maps");

/*
 * Punt token buckets by zone_id. Shared by all CPUs (an approximate, lock-free
 * bucket: a lost update costs one punt more or less); LRU so stale zones age out.
 * last_ns: the last refill; tokens: credit in nanoseconds (a punt costs
 * 1e9 / punt_rate of it, the credit is capped at punt_burst punts).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DW_ZONES_MAX);
	__type(key, __u32);
	__type(value, struct dw_punt_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_punt_rate SEC(".maps");

/* The punt budget the daemon publishes (struct dw_punt_budget); one slot. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dw_punt_budget);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_punt_budget SEC(".maps");

/*
 * Each destination's punt share (struct dw_punt_share) by its address; LRU so
 * that a flood of addresses only forgets idle destinations (a forgotten one
 * starts again with a full bucket), and `dnsward stats` reads the refusals.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DW_PUNT_DESTS_MAX);
	__type(key, struct dw_addr_key);
	__type(value, struct dw_punt_share);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_punt_dests SEC(".maps");

/*
 * The memo (lib/memo.bpf.h): per CPU, recent messages byte for byte with the
 * outcome each had, so that the same message again (its ID and TTLs aside) is
 * decided without its question walk, zone lookup, copy, digest or verdict
 * lookup. Not pinned: it belongs to one load of the programs and starts empty.
 */
#define DW_MEMO_SLOTS 128 /* a power of 2 */
#define DW_MEMO_BYTES 256 /* longest message (or question) kept */
#define DW_MEMO_TTLS  16  /* most RRs whose TTLs a kept reply may have */

struct dw_memo {
	__u32 gen;	  /* dw_datapath_cfg.memo_gen when filled */
	__u16 n;	  /* bytes compared, from the message start */
	__u8 kind;	  /* DW_MEMO_* */
	__u8 verdict;	  /* a reply's verdict (enum dw_verdict_code) */
	__u64 expires_ns; /* a reply's verdict expiry; 0 = never */
	__u8 hot;	  /* matched since another message last missed this slot */
	__u8 nttl;	  /* a reply's TTL fields, at ttl_off */
	__u16 ttl_over;	  /* a reply's verdict's dw_verdict.ttl_over */
	__u16 ttl_opt;	  /* bit k: ttl_off[k] is the OPT's (no TTL) */
	__u16 _pad;
	__u16 ttl_off[DW_MEMO_TTLS];
	__u8 b[DW_MEMO_BYTES]; /* the message bytes */
	__u8 m[DW_MEMO_BYTES]; /* 0xff where a byte must match, 0 where it may differ */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DW_MEMO_SLOTS);
	__type(key, __u32);
	__type(value, struct dw_memo);
} dw_memo_map SEC(".maps");

/* What the memo lookup of this packet found out, for the fill after the slow path. */
struct dw_memo_note {
	__u32 slot; /* DW_MEMO_NONE: the message cannot be kept */
	__u32 gen;  /* the generation read before any other map */
	__u32 n;
	__u8 kind;
	__u8 verdict;
	__u16 ttl_over;
	__u64 expires_ns;
};

/* The digest walk's state, in memory so bpf_loop callbacks share it. */
struct dw_dstate {
	struct dw_sip rr; /* E(RR) of the current record */
	struct dw_sip nm; /* NH() of the name being walked */
	__u64 acc0, acc1; /* sums of E(Q) and E(RR) */
	__u64 qnh;	  /* NH(qname)[0] */
	__u64 nh;	  /* NH()[0] of the last name walked */
	__u64 k0, k1;
	__u32 base; /* frame offset of the DNS message */
	__u32 len;  /* DNS message length */
	__u32 off;  /* next RR (message offset) */
	__u32 an, ns;
	__u32 err; /* DW_DIGEST_* */
	/* name walk */
	__u64 nbuf; /* pending bytes of N(name), nfill of them */
	__u32 nfill;
	__u32 npos, nrun, ntotal, nhops, nend, ndone;
	/* raw chunk */
	__u32 cpos, cend;
	/* where the TTLs lie (message offsets), for the memo's mask */
	__u16 ttl[DW_MEMO_TTLS];
	__u32 nttl;
	__u32 maxttl;  /* the largest TTL of the RRs digested (the OPT left out) */
	__u32 ttl_opt; /* bit k: ttl[k] is an OPT's (no TTL) */
};

/* The question walk's state (lib/dnsname.bpf.h), in memory for its bpf_loop callback. */
struct dw_qstate {
	__u32 pos;   /* next label (frame offset) */
	__u32 qoff;  /* the name's first byte */
	__u32 lim;   /* first byte past the copied question */
	__u32 total; /* name length so far */
	__u32 done, err;
};

/*
 * Per-CPU scratch: the frame copied from the packet (in the punt record that
 * may be sent as is), the zone key being built and the digest state. Reads
 * mask offsets with DW_PUNT_PKT_MAX - 1 and may run 8 bytes past pkt, into
 * the slack; logical bounds are checked separately.
 */
/* Zone-key area: 8 bytes of spill margin, prefixlen, up to 255 key bytes
 * ending at DW_ZB_END, and room for a whole dw_zone_key read from any start. */
#define DW_ZB_END  (8 + 4 + DW_NAME_MAX)
#define DW_ZB_SIZE 2048 /* also lets a copy length masked with 0xfff fit after pkt */
#define DW_ZB_MASK 511

struct dw_scratch {
	struct dw_punt punt;
	__u8 pkt_slack[16];
	__u8 zb[DW_ZB_SIZE];
	__u32 q_end;	   /* frame offset after the question name */
	__u32 q_keylen;	   /* zone key bytes */
	struct dw_hdrs hd; /* the header parse, re-read from memory */
	struct dw_dstate ds;
	struct dw_qstate qs;
	struct dw_memo_note mn;
	__u64 clk_jiffies; /* the tick in which clk_ns was read (dw_tick_now) */
	__u64 clk_ns;
	struct dw_query_key qk; /* an outstanding query's key, built here */
	struct dw_query qv;	/* the query hook's record; the reply's question to compare */
	__u8 solicited;		/* the reply answers a remembered query with its question */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dw_scratch);
} dw_scratch_map SEC(".maps");

#endif /* DW_MAPS_BPF_H */
