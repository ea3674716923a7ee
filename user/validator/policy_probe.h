/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * policy_probe.h: before a policy applies, prove every protected zone's chain
 * now and say what the policy would do to it ("idp.test: secure, enforced",
 * "legacy.test: INSECURE, require=secure -> every reply would be DROPPED"),
 * and whether that drops a zone the running policy serves.
 */
#ifndef DW_POLICY_PROBE_H
#define DW_POLICY_PROBE_H

#include <stdbool.h>
#include <stdio.h>

#include "common/config.h"
#include "validator/validator.h"

enum probe_effect {
	PROBE_DELIVER = 0, /* replies reach the workload */
	PROBE_REPORT = 1,  /* monitor: would be dropped under enforce, delivered and reported */
	PROBE_DROP = 2,	   /* every reply is dropped */
};

struct probe_result {
	char zone[CFG_NAME_LEN];
	char name[CFG_NAME_LEN]; /* the name whose proof decided (apex or probe name) */
	enum val_outcome outcome;
	bool under_nta;
	enum probe_effect effect;
	bool newly_dropped;  /* dropped under the new policy, served under the running one */
	int64_t sig_expires; /* earliest expiry (Unix time) of the RRSIGs verified, 0: none */
	char reason[VAL_REASON_LEN];
	char line[768]; /* the human-readable verdict */
};

/*
 * Probe every zone of next with a validator built from next. running (may be
 * NULL: then every drop counts as new) is the policy in force. Fills up to
 * max results and returns how many, or -errno with err set when the
 * validator cannot be built (bad anchors, say).
 */
int policy_probe(const struct dw_config *next, const struct dw_config *running,
		 struct probe_result *out, int max, char *err, size_t err_len);

/*
 * Probe zone z of cfg alone, with a validator of its own: nothing comes from
 * a cache, so out->sig_expires covers every signature from the anchor down
 * (DS and DNSKEY of each zone cut, and the zone's own records). Returns 0, or
 * -errno with err set when the validator cannot be built.
 */
int policy_probe_one(const struct dw_config *cfg, const struct cfg_zone *z,
		     struct probe_result *out, char *err, size_t err_len);

/* The effect of an outcome on a zone under cfg (NTAs of cfg included). */
enum probe_effect policy_probe_effect(const struct dw_config *cfg, const struct cfg_zone *z,
				      enum val_outcome outcome, bool under_nta);

/* Fill r->line from the other fields. */
void policy_probe_describe(const struct cfg_zone *z, struct probe_result *r);

#endif
