/* SPDX-License-Identifier: BSD-2-Clause */
/* val_stats.h: the counters one validator keeps (validator_get_stats). */
#ifndef DW_VAL_STATS_H
#define DW_VAL_STATS_H

#include <stdint.h>

/* Counters of bounded work; a limit hit is counted here and reported in the reason. */
struct val_stats {
	uint64_t validations;
	uint64_t upstream_queries;
	uint64_t upstream_timeouts;
	uint64_t signatures_verified;
	uint64_t signatures_remembered; /* of those, answered from the signature memo */
	uint64_t cache_hits;
	uint64_t cache_misses;
	uint64_t limit_hits;
	uint64_t upstream_ns;	 /* time spent in upstream exchanges */
	uint64_t sig_verify_ns;	 /* time spent verifying signatures */
	uint64_t wildcard_synth; /* answers synthesised from a validated wildcard (RFC 8198) */
	uint64_t cache_entries;	 /* RRsets in the cache now (limits.rrset_cache) */
	uint64_t cache_bytes;	 /* their bytes as stored (limits.rrset_cache_bytes) */
};

#endif
