// SPDX-License-Identifier: BSD-2-Clause
/* counters.c: the data plane's counters as user space names and reads them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "daemon/counters.h"
#include "common/log.h"

static const char *const names[DW_CNT_MAX] = {
    [DW_CNT_PACKETS] = "packets",
    [DW_CNT_NOT_DNS] = "not_dns",
    [DW_CNT_NOT_PROTECTED] = "not_protected",
    [DW_CNT_ALLOWED] = "allowed",
    [DW_CNT_DENIED] = "denied",
    [DW_CNT_PUNTED] = "punted",
    [DW_CNT_HELD] = "held",
    [DW_CNT_MONITOR_PASSED] = "monitor_passed",
    [DW_CNT_RING_FULL] = "ring_full",
    [DW_CNT_RATE_LIMITED] = "rate_limited",
    [DW_CNT_MALFORMED] = "malformed",
    [DW_CNT_FRAGMENT] = "fragment",
    [DW_CNT_TOO_COMPLEX] = "too_complex",
    [DW_CNT_TOO_BIG] = "too_big",
    [DW_CNT_STALE_HEARTBEAT] = "stale_heartbeat",
    [DW_CNT_ROGUE_RESOLVER] = "rogue_resolver",
    [DW_CNT_RELEASE_MARK] = "release_mark",
    [DW_CNT_FAIL_OPEN_PASSED] = "fail_open_passed",
    [DW_CNT_FAIL_CLOSED_DROPPED] = "fail_closed_dropped",
    [DW_CNT_TCP_SEGMENT] = "tcp_segment",
    [DW_CNT_TCP_SPLIT_QUESTION] = "tcp_split_question",
    [DW_CNT_TCP_UNTRACKED] = "tcp_untracked",
    [DW_CNT_TCP_CONTINUATION] = "tcp_continuation",
    [DW_CNT_TCP_AFTER_DROP] = "tcp_after_drop",
    [DW_CNT_TCP_GAP] = "tcp_gap",
    [DW_CNT_TCP_MULTI] = "tcp_multi",
    [DW_CNT_VALIDATOR_REPLY] = "validator_reply",
    [DW_CNT_QUERY_SEEN] = "query_seen",
    [DW_CNT_QUERY_PREFETCH] = "query_prefetch",
    [DW_CNT_QUERY_RATE_LIMITED] = "query_rate_limited",
    [DW_CNT_QUERY_RING_FULL] = "query_ring_full",
    [DW_CNT_QUERY_MALFORMED] = "query_malformed",
    [DW_CNT_MEMO_HIT] = "memo_hits",
    [DW_CNT_MEMO_FILL] = "memo_fills",
    [DW_CNT_FRAG_DROPPED] = "frag_dropped",
    [DW_CNT_RELEASE_UNPROVEN] = "release_unproven",
    [DW_CNT_QUERY_TRACKED] = "query_tracked",
    [DW_CNT_QUESTION_MISMATCH] = "question_mismatch",
    [DW_CNT_UNSOLICITED] = "unsolicited",
    [DW_CNT_TUNNELED] = "tunneled",
    [DW_CNT_ENCDNS_DROPPED] = "encrypted_dns_dropped",
    [DW_CNT_ENCDNS_REPORTED] = "encrypted_dns_reported",
    [DW_CNT_TCP_OUT_OF_WINDOW] = "tcp_out_of_window",
    [DW_CNT_TCP_CONFLICT] = "tcp_conflict",
    [DW_CNT_TCP_FLOW_PROTECTED] = "tcp_flows_protected",
    [DW_CNT_QUERY_PROVEN] = "query_proven",
    [DW_CNT_PUNT_RATE_LIMITED] = "punt_rate_limited",
    [DW_CNT_PUNT_HOST_LIMITED] = "punt_host_limited",
    [DW_CNT_TTL_EXCEEDED] = "ttl_exceeded",
    [DW_CNT_TCP_FLOW_LEARNED] = "tcp_flows_learned",
    [DW_CNT_TCP_SYN_SEEN] = "tcp_syns_seen",
    [DW_CNT_TCP_SYNACK_UNSOLICITED] = "tcp_synack_unsolicited",
};

const char *counter_name(unsigned slot)
{
	if (slot >= DW_CNT_MAX)
		return NULL;
	return names[slot] ? names[slot] : "unnamed";
}

int counters_read(int map_fd, uint64_t out[DW_CNT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *percpu;
	unsigned slot;
	int cpu, err = 0;

	if (ncpu <= 0) {
		pr_err("counters: cannot count possible CPUs: %d", ncpu);
		return ncpu < 0 ? ncpu : -EINVAL;
	}
	percpu = calloc((size_t)ncpu, sizeof(*percpu));
	if (!percpu)
		return -ENOMEM;
	memset(out, 0, sizeof(uint64_t) * DW_CNT_MAX);
	for (slot = 0; slot < DW_CNT_MAX; slot++) {
		if (bpf_map_lookup_elem(map_fd, &slot, percpu)) {
			err = -errno;
			pr_err("counters: reading slot %u (%s) failed: %s", slot, names[slot],
			       strerror(errno));
			break;
		}
		for (cpu = 0; cpu < ncpu; cpu++)
			out[slot] += percpu[cpu];
	}
	free(percpu);
	return err;
}
