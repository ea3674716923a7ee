// SPDX-License-Identifier: BSD-2-Clause
/* verdict_policy.c: the verdict table of DESIGN.md, in one place. */
#include "common/array.h"
#include "dnsward.h"
#include "daemon/verdict_policy.h"

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

void verdict_decide(const struct cfg_zone *zone, const struct val_result *res,
		    const struct cfg_limits *lim, struct verdict_decision *out)
{
	uint32_t max_ttl = lim->max_verdict_ttl ? lim->max_verdict_ttl : 3600;
	uint32_t short_ttl = lim->negative_cache_ttl ? lim->negative_cache_ttl : 5;
	bool not_bogus_ok = zone && zone->require == CFG_REQUIRE_NOT_BOGUS;
	bool fail_open = zone && zone->failure == CFG_FAIL_OPEN;

	out->plain_allow = false;
	out->verdict = DW_VERDICT_DENY;
	out->ttl = min_u32(short_ttl, max_ttl);
	if (res->under_nta) {
		out->verdict = DW_VERDICT_ALLOW;
		out->reason = DW_REASON_NTA;
		out->ttl = min_u32(res->ttl ? res->ttl : short_ttl, max_ttl);
		return;
	}
	switch (res->outcome) {
	case VAL_SECURE:
		out->verdict = DW_VERDICT_ALLOW;
		out->reason = DW_REASON_SECURE;
		out->ttl = min_u32(res->ttl, max_ttl);
		out->plain_allow = true;
		return;
	case VAL_INSECURE:
		if (not_bogus_ok) {
			out->verdict = DW_VERDICT_ALLOW;
			out->reason = DW_REASON_INSECURE_OK;
			out->ttl = min_u32(res->ttl, max_ttl);
		} else {
			out->reason = DW_REASON_INSECURE;
		}
		return;
	case VAL_BOGUS:
		out->reason = DW_REASON_BOGUS;
		return;
	case VAL_INDETERMINATE:
	default:
		if (fail_open) {
			out->verdict = DW_VERDICT_ALLOW;
			out->reason = DW_REASON_FAIL_OPEN;
		} else {
			out->reason = DW_REASON_INDETERMINATE;
		}
		return;
	}
}

enum verdict_unvalidated verdict_unvalidated(const struct cfg_zone *zone, bool held)
{
	if (!held)
		return VERDICT_UNVAL_NOT_HELD;
	/* Not protected, or only monitored, under the policy in force: such replies pass now. */
	if (!zone || zone->mode == CFG_MODE_MONITOR || zone->failure == CFG_FAIL_OPEN)
		return VERDICT_UNVAL_RELEASE;
	return VERDICT_UNVAL_KEEP_DROPPED;
}

const char *verdict_code_name(uint8_t verdict)
{
	switch (verdict) {
	case DW_VERDICT_ALLOW:
		return "allow";
	case DW_VERDICT_DENY:
		return "deny";
	default:
		return "none";
	}
}

const char *verdict_reason_name(uint8_t reason)
{
	static const char *const names[] = {
	    [DW_REASON_SECURE] = "secure",
	    [DW_REASON_INSECURE_OK] = "insecure_allowed",
	    [DW_REASON_NTA] = "negative_trust_anchor",
	    [DW_REASON_BOGUS] = "bogus",
	    [DW_REASON_INSECURE] = "insecure",
	    [DW_REASON_INDETERMINATE] = "indeterminate",
	    [DW_REASON_FAIL_OPEN] = "indeterminate_fail_open",
	};

	if (reason >= ARRAY_SIZE(names) || !names[reason])
		return "unknown";
	return names[reason];
}
