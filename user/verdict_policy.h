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

#include "config.h"
#include "validator.h"

struct verdict_decision {
	uint8_t verdict;  /* enum dw_verdict_code */
	uint8_t reason;	  /* enum dw_reason */
	uint32_t ttl;	  /* seconds the verdict lives */
	bool plain_allow; /* a SECURE allow: no event */
};

void verdict_decide(const struct cfg_zone *zone, const struct val_result *res,
		    const struct cfg_limits *lim, struct verdict_decision *out);

/* "allow" / "deny"; and the reason's event name ("secure", "bogus", ...). */
const char *verdict_code_name(uint8_t verdict);
const char *verdict_reason_name(uint8_t reason);

#endif
