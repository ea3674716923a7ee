/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * dnsward.h: everything the BPF data plane and user space share — map names,
 * map keys and values, the ring-buffer punt record, verdict, hook and counter
 * codes. Compiled on both sides; the _Static_asserts keep the layouts equal.
 *
 * Byte order: every multi-byte field is in host byte order unless its comment
 * says "network order". Addresses are always network order.
 */
#ifndef DNSWARD_H
#define DNSWARD_H

#ifdef __BPF__
/* vmlinux.h provides the __u8..__u64 types in BPF programs. */
#else
#include <linux/types.h>
#endif

/* Pinned map names: the loader pins by these names under the pin path. */
#define DW_MAP_VERDICTS	      "dnsward_verdicts"
#define DW_MAP_ZONES	      "dnsward_zones"
#define DW_MAP_CONFIG	      "dnsward_config"
#define DW_MAP_HEARTBEAT      "dnsward_heartbeat"
#define DW_MAP_COUNTERS	      "dnsward_counters"
#define DW_MAP_PUNTS	      "dnsward_punts"
#define DW_MAP_RESOLVERS      "dnsward_resolvers"
#define DW_MAP_PUNT_RATE      "dnsward_punt_rate"
#define DW_MAP_TCP_FLOWS      "dnsward_tcp_flows"
#define DW_MAP_TCP_PFLOWS     "dnsward_tcp_pflows"
#define DW_MAP_TCP_SYNS	      "dnsward_tcp_syns"
#define DW_MAP_RELEASE_PROOFS "dnsward_release_proofs"
#define DW_MAP_QUERIES	      "dnsward_queries"
#define DW_MAP_QUERY_LINKS    "dnsward_query_links"
#define DW_MAP_PORTS	      "dnsward_ports"
#define DW_MAP_ENCDNS_ADDRS   "dnsward_encdns_addrs"
#define DW_MAP_ENCDNS_CLIENTS "dnsward_encdns_clients"
#define DW_MAP_PROVEN	      "dnsward_proven"
#define DW_MAP_PUNT_BUDGET    "dnsward_punt_budget"
#define DW_MAP_PUNT_DESTS     "dnsward_punt_dests"

#define DW_DEFAULT_PIN_PATH "/sys/fs/bpf/dnsward"

/* A DNS name on the wire is at most 255 bytes (RFC 1035 3.1). */
#define DW_NAME_MAX 255
/* Labels are at most 63 bytes; a 255-byte name has at most 127 labels. */
#define DW_LABEL_MAX  63
#define DW_LABELS_MAX 127

/* Protected zones the data plane can hold at once. */
#define DW_ZONES_MAX 1024
/* Verdicts cached in the kernel (LRU: the oldest go first). */
#define DW_VERDICTS_MAX 65536
/* Resolver allowlist entries. */
#define DW_RESOLVERS_MAX 64
/*
 * DNS-over-TCP connections tracked at once (LRU). A flow evicted or never
 * seen opening is untracked: its segments are judged one by one (counter
 * DW_CNT_TCP_UNTRACKED), so the map is sized well above the connections a
 * host keeps open to port 53.
 */
#define DW_TCP_FLOWS_MAX 65536
/*
 * Flows that carried a protected message move to a map of their own
 * (DW_MAP_TCP_PFLOWS, LRU) that only a protected message passed on an ALLOW
 * verdict, or held for the validator, can enter: a flood of forged
 * connections evicts none of them.
 */
#define DW_TCP_PFLOWS_MAX 16384
/*
 * Connections a workload opened to the DNS port, as the query hook saw each
 * SYN leave (DW_MAP_TCP_SYNS, LRU, keyed like a flow by the reply
 * direction). On a link whose queries the hook sees, only a SYN-ACK that
 * answers one of them learns a flow; a record lasts DW_TCP_SYN_TRACK_NS
 * from the last SYN (a retransmitted SYN renews it).
 */
#define DW_TCP_SYNS_MAX	    16384
#define DW_TCP_SYN_TRACK_NS (10ull * 1000000000ull)
/*
 * Bytes of a frame (from the link-layer header) copied into a punt record.
 * A power of two so the verifier can bound masked offsets; covers the 1232-byte
 * EDNS size most resolvers advertise plus headers. Larger frames are not
 * copied whole: the failure mode decides them (counter DW_CNT_TOO_BIG).
 */
#define DW_PUNT_PKT_MAX 2048
/* Ring buffer size in bytes (power of two, a multiple of the page size). */
#define DW_PUNT_RING_BYTES (4u << 20)

/*
 * skb->mark the daemon sets on a packet it re-injects through a tc-attached
 * interface, so the hook passes it exactly once. Marks are scrubbed when a
 * packet crosses a namespace boundary, so a workload cannot forge it.
 */
#define DW_RELEASE_MARK 0x0d5a7d01u

/*
 * SO_MARK of the validator's own upstream sockets (UDP and TCP; DoT's port
 * 853 is never seen as DNS). The hook passes a protected reply whose
 * destination socket in the hook's namespace carries it and is connected to
 * the reply's source (bpf/lib/selfreply.bpf.h). Setting SO_MARK needs
 * CAP_NET_ADMIN in that namespace, which workloads do not have.
 */
#define DW_VALIDATOR_MARK 0x0d5a7d02u

enum dw_verdict_code {
	DW_VERDICT_NONE = 0,
	DW_VERDICT_ALLOW = 1,
	DW_VERDICT_DENY = 2,
};

/* Why a verdict was written; stored in dw_verdict.reason and reported in events. */
enum dw_reason {
	DW_REASON_SECURE = 0,	     /* proven by the chain of trust */
	DW_REASON_INSECURE_OK = 1,   /* proven unsigned, zone requires not-bogus */
	DW_REASON_NTA = 2,	     /* under a negative trust anchor */
	DW_REASON_BOGUS = 3,	     /* signatures or content do not prove out */
	DW_REASON_INSECURE = 4,	     /* proven unsigned, zone requires secure */
	DW_REASON_INDETERMINATE = 5, /* truth unobtainable, failure mode closed */
	DW_REASON_FAIL_OPEN = 6,     /* truth unobtainable, failure mode open */
};

enum dw_hook {
	DW_HOOK_XDP = 1,
	DW_HOOK_TC_INGRESS = 2,
	DW_HOOK_TC_EGRESS = 3,
};

enum dw_zone_mode {
	DW_MODE_ENFORCE = 0,
	DW_MODE_MONITOR = 1,
};

enum dw_zone_require {
	DW_REQUIRE_SECURE = 0,
	DW_REQUIRE_NOT_BOGUS = 1,
};

enum dw_failure_mode {
	DW_FAIL_CLOSED = 0,
	DW_FAIL_OPEN = 1,
};

/* Per-CPU counters, one slot per data-plane path. Keep dw_counter_names in sync. */
enum dw_counter {
	DW_CNT_PACKETS = 0,	    /* every packet the hook saw */
	DW_CNT_NOT_DNS,		    /* not a DNS reply: passed */
	DW_CNT_NOT_PROTECTED,	    /* DNS reply outside every protected zone: passed */
	DW_CNT_ALLOWED,		    /* ALLOW verdict hit: passed */
	DW_CNT_DENIED,		    /* DENY verdict hit: dropped */
	DW_CNT_PUNTED,		    /* miss copied to the ring buffer */
	DW_CNT_HELD,		    /* punted and dropped, waiting for release */
	DW_CNT_MONITOR_PASSED,	    /* punted and passed (monitor zone) */
	DW_CNT_RING_FULL,	    /* ring buffer full: failure mode applied */
	DW_CNT_RATE_LIMITED,	    /* punt rate exceeded: failure mode applied */
	DW_CNT_MALFORMED,	    /* a DNS reply that does not parse */
	DW_CNT_FRAGMENT,	    /* IP fragment of a possible DNS reply */
	DW_CNT_TOO_COMPLEX,	    /* too big or too many RRs to digest: treated as a miss */
	DW_CNT_TOO_BIG,		    /* frame larger than DW_PUNT_PKT_MAX: failure mode */
	DW_CNT_STALE_HEARTBEAT,	    /* daemon silent: failure mode applied to a miss */
	DW_CNT_ROGUE_RESOLVER,	    /* reply from an address outside the allowlist */
	DW_CNT_RELEASE_MARK,	    /* re-injected packet passed by its mark */
	DW_CNT_FAIL_OPEN_PASSED,    /* failure mode open: a miss passed */
	DW_CNT_FAIL_CLOSED_DROPPED, /* failure mode closed: a miss dropped */
	DW_CNT_TCP_SEGMENT,	    /* TCP reply not contained in one segment */
	DW_CNT_VALIDATOR_REPLY,	    /* reply to the validator's own socket: passed */
	DW_CNT_TCP_SPLIT_QUESTION,  /* TCP message start without its whole question: dropped */
	DW_CNT_TCP_UNTRACKED,	    /* TCP data of a flow never seen opening: judged alone */
	DW_CNT_TCP_CONTINUATION,    /* TCP data inside messages already passed: passed */
	DW_CNT_TCP_AFTER_DROP,	    /* TCP data of a dropped message or beyond it: dropped */
	DW_CNT_TCP_GAP,		    /* TCP data beyond a message start never seen: dropped */
	DW_CNT_TCP_MULTI,	    /* later protected message in one segment: failure mode */
	/* The query hook (dnsward_tc_query, bpf/lib/query.bpf.h); it never drops. */
	DW_CNT_QUERY_SEEN,	   /* a DNS query (UDP to the DNS port, QR clear) */
	DW_CNT_QUERY_PREFETCH,	   /* a question of an enforced zone sent to the validator */
	DW_CNT_QUERY_RATE_LIMITED, /* prefetch rate exceeded: not sent */
	DW_CNT_QUERY_RING_FULL,	   /* ring half full (held replies first) or full: not sent */
	DW_CNT_QUERY_MALFORMED,	   /* a query whose question does not parse: passed */
	DW_CNT_MEMO_HIT, /* a reply decided by the memo (also counted as allowed, denied or not protected) */
	DW_CNT_MEMO_FILL,    /* a reply kept in the memo (in a free slot, or in place of another) */
	DW_CNT_FRAG_DROPPED, /* first fragment from the DNS port without the whole question: dropped */
	DW_CNT_RELEASE_UNPROVEN, /* release mark without the daemon's proof: judged like any reply */
	DW_CNT_QUERY_TRACKED,	 /* query hook: a query of an enforced zone remembered */
	DW_CNT_QUESTION_MISMATCH, /* reply to a remembered query with another question: dropped */
	DW_CNT_UNSOLICITED,	  /* protected UDP reply matching no remembered query: dropped */
	DW_CNT_TUNNELED,	/* a DNS reply inside VXLAN or Geneve, judged as its inner packet */
	DW_CNT_ENCDNS_DROPPED,	/* query hook: DoT/DoQ/DoH to an address not allowed: dropped */
	DW_CNT_ENCDNS_REPORTED, /* query hook: the same, counted and passed (action report) */
	DW_CNT_TCP_OUT_OF_WINDOW, /* TCP segment outside its flow's window: state kept */
	DW_CNT_TCP_CONFLICT, /* passed TCP message start seen again with other bounds: dropped */
	DW_CNT_TCP_FLOW_PROTECTED, /* TCP flow moved to the protected flows map */
	DW_CNT_QUERY_PROVEN, /* query hook: question proven (DW_MAP_PROVEN), no prefetch sent */
	DW_CNT_PUNT_RATE_LIMITED, /* destination past its share while the validator is busy */
	DW_CNT_PUNT_HOST_LIMITED, /* validation queue or ring full: no punt for anyone */
	DW_CNT_TTL_EXCEEDED, /* ALLOW hit whose TTLs exceed the judged copy's: judged as a miss */
	DW_CNT_TCP_FLOW_LEARNED,       /* a SYN-ACK from the DNS port started tracking a TCP flow */
	DW_CNT_TCP_SYN_SEEN,	       /* query hook: a workload's SYN to the DNS port remembered */
	DW_CNT_TCP_SYNACK_UNSOLICITED, /* SYN-ACK answering no SYN seen leaving: no flow learnt */
	DW_CNT_MAX,
};

/*
 * Slots in the pinned counters map. Larger than DW_CNT_MAX so that a newer
 * daemon that counts more paths still reuses an older install's pinned map
 * (libbpf refuses a pin whose size differs): an upgrade keeps enforcing.
 * New counters are appended; a slot's meaning never changes.
 */
#define DW_CNT_SLOTS 64

/*
 * The verdict map key. digest is a keyed 128-bit digest (SipHash, key in
 * dw_datapath_cfg) over the lower-cased question name, qtype, qclass and the
 * multiset of every RR in every section (owner and embedded names
 * decompressed and lower-cased; TTLs, the message ID and the EDNS OPT RR left
 * out), so RR order does not matter but every byte a workload could act on
 * does. flags is the header's second 16-bit word (QR, opcode, AA, TC, RD, RA,
 * Z, AD, CD, RCODE).
 */
struct dw_verdict_key {
	__u64 digest[2];
	__u16 qtype;
	__u16 qclass;
	__u16 flags;
	__u16 _pad;
};

struct dw_verdict {
	__u64 expires_ns; /* bpf_ktime_get_boot_ns() clock; 0 = never */
	__u32 zone_id;
	__u8 verdict;	/* enum dw_verdict_code */
	__u8 reason;	/* enum dw_reason, for counters and inspection */
	__u16 ttl_over; /* how far past expires_ns a hit's TTLs may reach: DW_TTL_OVER_S */
};

/*
 * An ALLOW hit delivers no TTL beyond what the judged copy carried, aged:
 * now + TTL <= expires_ns + DW_TTL_OVER_S(ttl_over) + DW_TTL_SLACK_S. The
 * slack is two seconds: resolvers count TTLs down in whole seconds (a copy
 * sent late in a second carries up to one second more than its age allows),
 * and ttl_over is rounded down to whole seconds (up to one more). ttl_over
 * is in seconds up to 0x7fff, else (bit 15) in units of 64 s, rounded down.
 */
#define DW_TTL_OVER_S(v) ((v)&0x8000 ? (__u64)((v)&0x7fff) << 6 : (__u64)(v))
#define DW_TTL_SLACK_S	 2

/* Zone lookup value; zone_id indexes the daemon's policy table. */
struct dw_zone {
	__u32 zone_id;
	__u8 mode;    /* enum dw_zone_mode */
	__u8 failure; /* enum dw_failure_mode */
	__u8 require; /* enum dw_zone_require */
	__u8 _pad;
};

/*
 * Zone map key: an LPM trie over the name in reverse label order, each label
 * lower-cased and followed by a 0 byte ("idp.test." -> "test\0idp\0"), so a
 * prefix match ends on a label boundary and "xidp.test" never matches
 * "idp.test". prefixlen is in bits. pkt_zone_key() (user/common/pkt_digest.h) builds it.
 */
struct dw_zone_key {
	__u32 prefixlen;
	__u8 name[DW_NAME_MAX + 1];
};

/* Resolver allowlist key: family AF_INET(2)/AF_INET6(10); IPv4 in addr[0..3]. Value: __u8. */
struct dw_addr_key {
	__u8 family;
	__u8 _pad[3];
	__u8 addr[16]; /* network order */
};

/*
 * TCP flow map key: the reply direction (source = the DNS server). Ports and
 * addresses in network order; IPv4 in the first 4 bytes of each address.
 */
struct dw_tcp_flow_key {
	__u8 family; /* AF_INET(2) or AF_INET6(10) */
	__u8 _pad;
	__u16 sport; /* network order */
	__u16 dport; /* network order */
	__u16 _pad2;
	__u8 saddr[16]; /* network order */
	__u8 daddr[16]; /* network order */
};

enum dw_tcp_decision {
	DW_TCP_NONE = 0, /* no message judged yet */
	DW_TCP_PASSED = 1,
	DW_TCP_DROPPED = 2,
};

/*
 * TCP flow map value (bpf/lib/tcpflow.bpf.h). Sequence numbers in host
 * order. cur: where the last judged message starts (its 2-byte length); end:
 * where it ends. PASSED: the messages from cur - first_back (the first one
 * judged in the same segment) up to end passed, the next one starts at end;
 * DROPPED: the message at cur was dropped and is judged again there; NONE:
 * nothing judged yet, the stream starts at cur.
 */
struct dw_tcp_flow {
	__u32 cur;
	__u32 end;
	__u8 decision; /* enum dw_tcp_decision */
	__u8 flags;    /* DW_TCP_FLOW_* */
	__u16 first_back;
};

/*
 * dw_tcp_flow.flags. HELD (with DROPPED): the message at cur spans segments
 * and is held on the XDP hook; its segments go to the daemon
 * (DW_PUNT_F_TCP_PART), which reassembles, validates and re-injects them.
 */
#define DW_TCP_FLOW_HELD 0x01

/* Runtime configuration the daemon writes once per policy (array map, 1 slot). */
struct dw_datapath_cfg {
	__u64 digest_key[2];	    /* SipHash key; secret, random per install */
	__u64 heartbeat_timeout_ns; /* 0 = heartbeat not checked */
	__u32 punt_rate;	    /* fixed cap, punts per second per zone; 0 = none */
	__u32 punt_burst;	    /* token bucket depth */
	__u16 dns_port;		    /* host order; 53 by default */
	__u8 resolver_allowlist;    /* 1 = drop replies from addresses not listed */
	__u8 enabled;		    /* 0 = pass everything (no policy loaded yet); DW_CFG_* bits */
	/* Bumped by the daemon whenever a verdict it wrote is deleted or replaced
	 * and with every policy it applies: the data plane's memo of recent
	 * messages (bpf/lib/memo.bpf.h) trusts only entries of the current value. */
	__u32 memo_gen;
};

/*
 * A release proof: written by the daemon just before it re-injects a held
 * UDP reply, taken (deleted) by the hook that sees the re-injected copy.
 * DW_RELEASE_MARK alone proves nothing (SO_MARK needs only CAP_NET_RAW): a
 * marked packet is passed as a release only when its own verdict key, DNS
 * ID, destination port and length match a live proof; any other is judged
 * like every reply. id and dport are the wire bytes as they appear.
 */
struct dw_release_proof {
	struct dw_verdict_key key;
	__u8 id[2];
	__u8 dport[2];
	__u32 dns_len;
};

/* A proof is good this long after the daemon wrote it (boot clock). */
#define DW_RELEASE_PROOF_NS (3ull * 1000000000ull)
/* Releases in flight at once; an LRU drops the oldest, whose copy is long gone. */
#define DW_RELEASE_PROOFS_MAX 4096

/*
 * dw_datapath_cfg.enabled: any non-zero value enables; bit 1 turns prefetch
 * records off; bit 2 checks workloads' encrypted DNS (DoT, DoQ, known DoH
 * servers) against DW_MAP_ENCDNS_ADDRS at the query hook, bit 3 drops what
 * is not allowed (else it is only counted).
 */
#define DW_CFG_ENABLED	   0x01
#define DW_CFG_NO_PREFETCH 0x02
#define DW_CFG_ENCDNS	   0x04
#define DW_CFG_ENCDNS_DROP 0x08

/*
 * What a UDP/TCP port means to the data plane (DW_MAP_PORTS, one slot: a
 * byte per port). DNS: replies come from it and queries go to it (in
 * addition to dw_datapath_cfg.dns_port, which alone holds when the map is
 * empty). VXLAN and GENEVE: UDP to it carries an encapsulated frame whose
 * inner UDP DNS reply is judged like any other.
 */
#define DW_PORT_DNS	    0x01
#define DW_PORT_VXLAN	    0x02
#define DW_PORT_GENEVE	    0x04
#define DW_PORT_TUNNEL	    (DW_PORT_VXLAN | DW_PORT_GENEVE)
#define DW_DNS_PORTS_MAX    8 /* ports a policy may name as DNS */
#define DW_TUNNEL_PORTS_MAX 4 /* ports per tunnel type */

struct dw_ports {
	__u8 kind[65536]; /* DW_PORT_* bits, indexed by port (host order) */
};

/*
 * Encrypted DNS from workloads (the query hook, bpf/lib/encdns.bpf.h): TCP
 * or UDP to port 853 (DoT, DoQ), and TCP or UDP to port 443 of an address
 * listed as a DoH server, is allowed only to addresses listed as allowed.
 * DW_MAP_ENCDNS_ADDRS: struct dw_addr_key -> DW_ENCDNS_* byte.
 * DW_MAP_ENCDNS_CLIENTS: the workload's (source) address -> attempts refused
 * or reported (TCP SYNs and UDP datagrams), an LRU.
 */
#define DW_ENCDNS_ALLOW	      0x01
#define DW_ENCDNS_DOH	      0x02
#define DW_ENCDNS_DOT_PORT    853
#define DW_ENCDNS_DOH_PORT    443
#define DW_ENCDNS_ADDRS_MAX   256
#define DW_ENCDNS_CLIENTS_MAX 4096

/*
 * Outstanding queries. The query hook remembers each UDP query for a name in
 * an enforced zone (DW_MAP_QUERIES, an LRU) under the workload's address,
 * port and the query's ID, as the hooks of that link see them (before NAT
 * on a pod veth, after it on an uplink: replies are seen the same way). A
 * UDP reply to a remembered query must carry the same question, byte for
 * byte (a stub like musl's matches by ID and server only); a protected UDP
 * reply on a link whose queries are seen (DW_MAP_QUERY_LINKS) must answer a
 * remembered query, else it is a blind forgery and is dropped before any
 * punt. Entries are not consumed by a reply, so a forgery that arrives first
 * cannot make the real reply unsolicited; they expire.
 */
#define DW_QUERIES_MAX	   16384
#define DW_QUERY_TRACK_NS  (10ull * 1000000000ull)
#define DW_QNAME_BYTES	   256 /* a name's wire form is at most 255 bytes */
#define DW_QUERY_LINKS_MAX 1024

struct dw_query_key {
	__u8 family; /* 4 or 6 */
	__u8 _pad;
	__u8 port[2]; /* the workload's UDP port, wire order */
	__u8 id[2];   /* the query's ID, wire order */
	__u8 _pad2[2];
	__u8 addr[16]; /* the workload's address (IPv4: the first 4 bytes) */
};

/* A question as sent on the wire (the name's bytes and case as the workload wrote them). */
struct dw_question_wire {
	__u8 tail[4];	/* qtype and qclass, wire order */
	__u16 name_len; /* bytes of name */
	__u16 _pad;
	__u8 name[DW_QNAME_BYTES]; /* zero beyond name_len */
};

struct dw_query {
	__u64 expires_ns; /* bpf_ktime_get_boot_ns() clock */
	struct dw_question_wire q;
};

/*
 * Proven questions (DW_MAP_PROVEN, an LRU): the daemon writes a question
 * here, with the expiry of what proved it, when it writes an ALLOW verdict
 * for a reply to it or proves it on a prefetch. The query hook sends no
 * prefetch for a question found here: its answer is proven already, and
 * asking again would only cost the daemon a wake-up. Only prefetch reads it:
 * replies are still judged against the verdicts. The value is the expiry,
 * bpf_ktime_get_boot_ns() clock.
 */
#define DW_PROVEN_MAX 8192

/* Heartbeat map value: the daemon's last stamp, bpf_ktime_get_boot_ns() clock. */
struct dw_heartbeat {
	__u64 stamp_ns;
};

/* Token bucket per zone for punt rate limiting. */
struct dw_punt_bucket {
	__u64 last_ns;
	__u64 tokens;
};

/*
 * The punt budget (bpf/lib/verdict.bpf.h). Held replies reach the validator
 * as fast as it keeps up: the daemon publishes how full its validation
 * queue is (DW_MAP_PUNT_BUDGET, one slot), the kernel adds the ring's own
 * fill. With room, every punt goes. When busy, a destination address (the
 * workload) only gets its share, a token bucket of dest_rate per second in
 * DW_MAP_PUNT_DESTS, so one workload asking names at resolver speed limits
 * itself, never the others. When full, nothing goes (the host-wide cap that
 * protects the daemon). dest_rate 0 turns the budget off (limits.punt_rate: 0).
 */
enum dw_budget_level {
	DW_BUDGET_ROOM = 0, /* every punt goes */
	DW_BUDGET_BUSY = 1, /* each destination within its share */
	DW_BUDGET_FULL = 2, /* no punt */
};

struct dw_punt_budget {
	__u64 stamp_ns;	  /* bpf_ktime_get_boot_ns() of the daemon's last write */
	__u32 dest_rate;  /* a destination's share, punts per second; 0 = no budget */
	__u32 dest_burst; /* its bucket depth */
	__u8 level;	  /* enum dw_budget_level of the validation queue */
	__u8 _pad[7];
};

/* A budget the daemon has not refreshed for this long counts as busy. */
#define DW_BUDGET_STALE_NS (1000000000ull)
/* Destinations with a share at once (LRU: the idlest are forgotten first). */
#define DW_PUNT_DESTS_MAX 8192

/* A destination's share (key: struct dw_addr_key of the reply's destination). */
struct dw_punt_share {
	struct dw_punt_bucket bucket;
	__u64 admitted; /* punts that went */
	__u64 limited;	/* punts refused: past its share, or the host full */
};

#define DW_PUNT_F_HELD	      0x01 /* the packet was dropped and waits for release */
#define DW_PUNT_F_TOO_COMPLEX 0x02 /* no verdict key could be computed */
/*
 * A workload's query, not a reply: nothing is held. pkt is the frame up to the
 * end of the question (qtype and qclass included); dns_len covers the header
 * and the question only; key is zero. The daemon starts validating the
 * question so the truth is ready (or in flight) when the reply arrives.
 */
#define DW_PUNT_F_QUERY 0x04
/*
 * One held segment of a protected DNS-over-TCP message that spans segments
 * (bpf/lib/tcphold.bpf.h), with DW_PUNT_F_HELD. tcp_msg_seq: the sequence
 * number of the message's 2-byte length; dns_len: the message's length;
 * dns_off: where this segment's TCP payload starts in pkt (it may begin
 * before the message or inside it); key is zero. The daemon reassembles the
 * message from such records (user/daemon/tcp_reasm.c).
 */
#define DW_PUNT_F_TCP_PART 0x08
/* The punt-rate bucket of held segments after a message's first (not a zone's). */
#define DW_PUNT_RATE_TCP_PARTS DW_ZONES_MAX

/*
 * One held or monitored reply, as the hook saw it. A ring-buffer record is
 * the header plus pkt_len bytes of pkt (offsetof(struct dw_punt, pkt) +
 * pkt_len), not always sizeof(struct dw_punt). A TCP reply in one segment
 * is punted too (l4 == IPPROTO_TCP) but not released: the server retransmits
 * it. The held segments of one that spans segments (DW_PUNT_F_TCP_PART) are
 * released together once their whole message is allowed.
 */
struct dw_punt {
	__u64 ts_ns; /* bpf_ktime_get_boot_ns() */
	struct dw_verdict_key key;
	__u32 ifindex;
	__u32 zone_id;
	__u8 hook;	   /* enum dw_hook */
	__u8 l3;	   /* 4 or 6 */
	__u8 l4;	   /* IPPROTO_UDP or IPPROTO_TCP */
	__u8 flags;	   /* DW_PUNT_F_* */
	__u16 l3_off;	   /* offset of the IP header in pkt */
	__u16 dns_off;	   /* offset of the DNS message in pkt (after the TCP length for TCP) */
	__u16 dns_len;	   /* length of the DNS message */
	__u16 pkt_len;	   /* bytes valid in pkt (the whole frame) */
	__u32 tcp_msg_seq; /* DW_PUNT_F_TCP_PART: where the message starts (host order), else 0 */
	__u8 pkt[DW_PUNT_PKT_MAX]; /* the frame from its link-layer header */
};

_Static_assert(DW_CNT_MAX <= DW_CNT_SLOTS, "counters map needs more slots");
_Static_assert(sizeof(struct dw_verdict_key) == 24, "dw_verdict_key layout");
_Static_assert(sizeof(struct dw_verdict) == 16, "dw_verdict layout");
_Static_assert(sizeof(struct dw_zone) == 8, "dw_zone layout");
_Static_assert(sizeof(struct dw_zone_key) == 260, "dw_zone_key layout");
_Static_assert(sizeof(struct dw_addr_key) == 20, "dw_addr_key layout");
_Static_assert(sizeof(struct dw_datapath_cfg) == 40, "dw_datapath_cfg layout");
_Static_assert(sizeof(struct dw_release_proof) == 32, "dw_release_proof layout");
_Static_assert(sizeof(struct dw_query_key) == 24, "dw_query_key layout");
_Static_assert(sizeof(struct dw_question_wire) == 8 + DW_QNAME_BYTES, "dw_question_wire layout");
_Static_assert(sizeof(struct dw_query) == 16 + DW_QNAME_BYTES, "dw_query layout");
_Static_assert(sizeof(struct dw_tcp_flow_key) == 40, "dw_tcp_flow_key layout");
_Static_assert(sizeof(struct dw_tcp_flow) == 12, "dw_tcp_flow layout");
_Static_assert(sizeof(struct dw_punt) == 56 + DW_PUNT_PKT_MAX, "dw_punt layout");
_Static_assert(sizeof(struct dw_punt_budget) == 24, "dw_punt_budget layout");
_Static_assert(sizeof(struct dw_punt_share) == 32, "dw_punt_share layout");

#endif /* DNSWARD_H */
