/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * validator.h: prove DNS data with a DNSSEC chain of trust, and judge a held
 * reply against the proven truth. One validator is independent of every other
 * (no global state); a validator is used by one thread at a time.
 */
#ifndef DW_VALIDATOR_H
#define DW_VALIDATOR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/config.h"

/* The outcome codes are also `dnsward check`'s exit codes. */
enum val_outcome {
	VAL_SECURE = 0,
	VAL_INSECURE = 1,
	VAL_BOGUS = 2,
	VAL_INDETERMINATE = 3,
};

const char *val_outcome_name(enum val_outcome outcome); /* "secure", "insecure", ... */
/* Worse outcomes drop more: bogus > indeterminate > insecure > secure. */
int val_outcome_rank(enum val_outcome outcome);

#define VAL_REASON_LEN 256
#define VAL_TRACE_MAX  64

/* One link of the chain, for `dnsward check` output (like delv +vtrace). */
struct val_trace_line {
	char text[VAL_REASON_LEN];
};

struct val_result {
	enum val_outcome outcome;
	char reason[VAL_REASON_LEN]; /* the precise reason, for events and CLI */
	uint32_t ttl;		     /* seconds the result may be cached: min(TTL, RRSIG expiry) */
	bool under_nta;		     /* a negative trust anchor covered the name */
	/* judge_reply only: the validated data did not cover the reply's content */
	bool content_mismatch;
	struct val_trace_line trace[VAL_TRACE_MAX];
	int n_trace;
};

/* Counters of bounded work; a limit hit is counted here and reported in the reason. */
struct val_stats {
	uint64_t validations;
	uint64_t upstream_queries;
	uint64_t upstream_timeouts;
	uint64_t signatures_verified;
	uint64_t cache_hits;
	uint64_t cache_misses;
	uint64_t limit_hits;
	uint64_t upstream_ns;	 /* time spent in upstream exchanges */
	uint64_t sig_verify_ns;	 /* time spent verifying signatures */
	uint64_t wildcard_synth; /* answers synthesised from a validated wildcard (RFC 8198) */
};

struct validator;

/*
 * A validator over cfg's anchors, NTAs, upstreams and limits. cfg is copied
 * where needed; the caller may free it afterwards. Returns NULL and writes the
 * reason into err on failure (e.g. an anchor file that does not parse).
 */
struct validator *validator_new(const struct dw_config *cfg, char *err, size_t err_len);
void validator_free(struct validator *v);

/* Pin the validation clock (test vectors); 0 restores the real clock. */
void validator_set_time(struct validator *v, time_t now);

/* Fill the trace while validating (CLI); off by default. */
void validator_set_trace(struct validator *v, bool on);

/* Prove one name/type from the anchor down (dnsward check, policy probes). */
int validator_check_name(struct validator *v, const char *name, uint16_t qtype,
			 struct val_result *res);

/*
 * Judge a held reply (a whole DNS message, as received): obtain the validated
 * truth for its question and decide whether every RR it carries is covered.
 * Returns 0 with res filled (any outcome), or -errno when the message itself
 * cannot be parsed (res->outcome is then VAL_BOGUS with a reason).
 */
int validator_judge_reply(struct validator *v, const uint8_t *msg, size_t len,
			  struct val_result *res);

void validator_get_stats(const struct validator *v, struct val_stats *out);

/* Drop cached data for a name (and below), or everything when name is NULL. */
void validator_flush(struct validator *v, const char *name);

#endif
