/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tcpsyn.bpf.h: the workloads' own SYNs to the DNS port. The query hook
 * remembers each one it sees leave (dw_tcp_syn_note in query.bpf.h) in
 * dnsward_tcp_syns, keyed by the reply direction's 4-tuple as a flow is;
 * the reply hooks learn a DNS-over-TCP
 * flow from a SYN-ACK only when it answers one of them (tcpflow.bpf.h). So
 * a SYN-ACK in the server's name on a 4-tuple no workload opened learns
 * nothing: a flood of them cannot evict the flows of real connections, and
 * a forged connection never becomes a flow, plain or protected. On a link
 * whose queries the hook does not see (dnsward_query_links), every SYN-ACK
 * learns its flow as before: there a missing record proves nothing.
 *
 * Records are not consumed by a SYN-ACK (a retransmitted one finds the
 * same); each lasts DW_TCP_SYN_TRACK_NS from its SYN, which a retransmitted
 * SYN renews. The map is an LRU: a workload that opens more connections than
 * it holds within that time loses the oldest records, and their SYN-ACKs
 * leave the flows untracked (whole messages only, tcpflow.bpf.h).
 */
#ifndef DW_TCPSYN_BPF_H
#define DW_TCPSYN_BPF_H

#include "lib/outstanding.bpf.h"

/* value: when the record expires (boot-time ns) */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, DW_TCP_SYNS_MAX);
	__type(key, struct dw_tcp_flow_key);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dnsward_tcp_syns SEC(".maps");

/*
 * The reply hooks: whether a SYN-ACK on flow k, arriving on ifindex, may
 * learn its flow: it answers a live SYN record, or this link's queries are
 * not seen.
 */
static __always_inline int dw_tcp_syn_seen(const struct dw_tcp_flow_key *k, __u32 ifindex)
{
	__u64 *expires;

	if (!dw_queries_seen(ifindex))
		return 1;
	expires = bpf_map_lookup_elem(&dnsward_tcp_syns, k);
	return expires && bpf_ktime_get_boot_ns() <= *expires;
}

#endif /* DW_TCPSYN_BPF_H */
