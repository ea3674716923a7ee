/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * val_status.h: what a validation concludes: an outcome, the precise reason
 * and how long it may be believed. The outcomes and the result are part of
 * the validator's API (validator.h); the status is what its modules pass
 * between them.
 */
#ifndef DW_VAL_STATUS_H
#define DW_VAL_STATUS_H

#include <stdbool.h>
#include <stdint.h>

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
	/* a negative trust anchor stood in for the chain (a judged reply: and it matched) */
	bool under_nta;
	/* judge_reply only: the validated data did not cover the reply's content */
	bool content_mismatch;
	/*
	 * judge_reply only, when the records matched the validated data: the
	 * largest TTL among them, each at most its signed original TTL (DNSSEC
	 * records and records irrelevant by policy are not counted). A cached
	 * verdict bounds the TTLs of later copies by it, not by the copy's own.
	 */
	bool max_ttl_proven;
	uint32_t max_ttl;
	/*
	 * judge_reply only: every record is proven, but TTLs exceed the signed
	 * original TTL. The reply itself is BOGUS (it must not be delivered);
	 * the same records with those TTLs lowered to the signed ones are
	 * SECURE for proven_ttl seconds, and carry no TTL above max_ttl.
	 */
	bool ttl_raised;
	uint32_t proven_ttl;
	/*
	 * The earliest expiration (Unix time) of the RRSIGs verified while
	 * answering, 0 when none was: what a cache hit proved is not counted,
	 * so a fresh validator sees the whole chain from the anchor.
	 */
	int64_t sig_expires;
	struct val_trace_line trace[VAL_TRACE_MAX];
	int n_trace;
};

/* An outcome with its reason and how long it may be believed. */
struct val_status {
	enum val_outcome outcome;
	uint32_t ttl;
	char reason[VAL_REASON_LEN];
};

void status_set(struct val_status *st, enum val_outcome o, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Weakest link: bogus > indeterminate > insecure > secure. */
void status_merge(struct val_status *into, const struct val_status *from);
/* Believe st for ttl seconds at most. */
void status_min_ttl(struct val_status *st, uint32_t ttl);

#endif
