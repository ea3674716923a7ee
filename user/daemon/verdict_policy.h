/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * verdict_policy.h: from a validation result and a zone's policy to a verdict:
 * SECURE and NTA allow; INSECURE allows only where the zone requires
 * not-bogus; BOGUS denies; INDETERMINATE follows the zone's failure mode, for
 * a short time. DENY verdicts are always short-lived: a forged reply's key
 * never matches a real one, so a long DENY buys nothing.
 */
#ifndef DW_VERDICT_POLICY_H
#define DW_VERDICT_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "common/config.h"
#include "validator/validator.h"

struct verdict_decision {
	uint8_t verdict;  /* enum dw_verdict_code */
	uint8_t reason;	  /* enum dw_reason */
	uint32_t ttl;	  /* seconds the verdict lives */
	bool plain_allow; /* a SECURE allow: no event */
};

void verdict_decide(const struct cfg_zone *zone, const struct val_result *res,
		    const struct cfg_limits *lim, struct verdict_decision *out);

/*
 * What becomes of a punted reply the daemon cannot validate for a local
 * reason (the validation queue is full, memory ran out): the zone's failure
 * mode decides, as for an INDETERMINATE outcome. zone is the protected zone
 * in force for the reply's name (NULL: no longer protected, so the data plane
 * passes such replies now); held says whether the data plane dropped it.
 */
enum verdict_unvalidated {
	VERDICT_UNVAL_NOT_HELD = 0, /* a monitored reply: it passed already */
	VERDICT_UNVAL_RELEASE,	    /* fail open (or now unprotected or monitored): release it */
	VERDICT_UNVAL_KEEP_DROPPED, /* fail closed: it stays dropped */
};

enum verdict_unvalidated verdict_unvalidated(const struct cfg_zone *zone, bool held);

/* "allow" / "deny"; and the reason's event name ("secure", "bogus", ...). */
const char *verdict_code_name(uint8_t verdict);
const char *verdict_reason_name(uint8_t reason);

#endif
