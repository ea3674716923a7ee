// SPDX-License-Identifier: BSD-2-Clause
/* test_verdict_policy.c: the verdict table, row by row (DESIGN.md "Outcomes per name"). */
#include <string.h>

#include "common/array.h"
#include "harness.h"
#include "dnsward.h"
#include "daemon/verdict_policy.h"

struct row {
	const char *what;
	enum val_outcome outcome;
	bool nta;
	enum cfg_require require;
	enum cfg_failure failure;
	uint32_t ttl;
	uint8_t verdict, reason;
	uint32_t want_ttl;
	bool plain;
};

static const struct row rows[] = {
    {"secure allows for its ttl", VAL_SECURE, false, CFG_REQUIRE_SECURE, CFG_FAIL_CLOSED, 300,
     DW_VERDICT_ALLOW, DW_REASON_SECURE, 300, true},
    {"secure ttl capped", VAL_SECURE, false, CFG_REQUIRE_SECURE, CFG_FAIL_CLOSED, 86400,
     DW_VERDICT_ALLOW, DW_REASON_SECURE, 3600, true},
    {"insecure under require secure denies", VAL_INSECURE, false, CFG_REQUIRE_SECURE,
     CFG_FAIL_CLOSED, 300, DW_VERDICT_DENY, DW_REASON_INSECURE, 5, false},
    {"insecure under not-bogus allows", VAL_INSECURE, false, CFG_REQUIRE_NOT_BOGUS, CFG_FAIL_CLOSED,
     300, DW_VERDICT_ALLOW, DW_REASON_INSECURE_OK, 300, false},
    {"bogus denies briefly", VAL_BOGUS, false, CFG_REQUIRE_NOT_BOGUS, CFG_FAIL_OPEN, 300,
     DW_VERDICT_DENY, DW_REASON_BOGUS, 5, false},
    {"indeterminate closed denies", VAL_INDETERMINATE, false, CFG_REQUIRE_SECURE, CFG_FAIL_CLOSED,
     0, DW_VERDICT_DENY, DW_REASON_INDETERMINATE, 5, false},
    {"indeterminate open allows briefly", VAL_INDETERMINATE, false, CFG_REQUIRE_SECURE,
     CFG_FAIL_OPEN, 0, DW_VERDICT_ALLOW, DW_REASON_FAIL_OPEN, 5, false},
    {"nta allows even bogus", VAL_BOGUS, true, CFG_REQUIRE_SECURE, CFG_FAIL_CLOSED, 60,
     DW_VERDICT_ALLOW, DW_REASON_NTA, 60, false},
};

static void test_table(void)
{
	struct cfg_limits lim = {.max_verdict_ttl = 3600, .negative_cache_ttl = 5};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		const struct row *r = &rows[i];
		struct cfg_zone z = {.require = r->require, .failure = r->failure};
		struct val_result res;
		struct verdict_decision d;

		memset(&res, 0, sizeof(res));
		res.outcome = r->outcome;
		res.under_nta = r->nta;
		res.ttl = r->ttl;
		verdict_decide(&z, &res, &lim, &d);
		if (d.verdict != r->verdict || d.reason != r->reason || d.ttl != r->want_ttl ||
		    d.plain_allow != r->plain) {
			fprintf(stderr, "  row '%s': verdict %u reason %u ttl %u plain %d\n",
				r->what, d.verdict, d.reason, d.ttl, d.plain_allow);
			harness_failed = 1;
		}
	}
}

static void test_names(void)
{
	CHECK_EQ_STR(verdict_code_name(DW_VERDICT_DENY), "deny");
	CHECK_EQ_STR(verdict_reason_name(DW_REASON_INSECURE), "insecure");
	CHECK_EQ_STR(verdict_reason_name(200), "unknown");
}

/* A reply the daemon could not validate (queue full, no memory): the zone's failure mode decides. */
static void test_unvalidated(void)
{
	struct cfg_zone closed = {.failure = CFG_FAIL_CLOSED, .mode = CFG_MODE_ENFORCE};
	struct cfg_zone open = {.failure = CFG_FAIL_OPEN, .mode = CFG_MODE_ENFORCE};
	struct cfg_zone monitor = {.failure = CFG_FAIL_CLOSED, .mode = CFG_MODE_MONITOR};

	CHECK_EQ_INT(verdict_unvalidated(&open, true), VERDICT_UNVAL_RELEASE);
	CHECK_EQ_INT(verdict_unvalidated(&closed, true), VERDICT_UNVAL_KEEP_DROPPED);
	/* Reloaded to monitor, or out of every zone: such replies pass now, so release. */
	CHECK_EQ_INT(verdict_unvalidated(&monitor, true), VERDICT_UNVAL_RELEASE);
	CHECK_EQ_INT(verdict_unvalidated(NULL, true), VERDICT_UNVAL_RELEASE);
	/* A monitored punt was never held: nothing to release or keep. */
	CHECK_EQ_INT(verdict_unvalidated(&open, false), VERDICT_UNVAL_NOT_HELD);
	CHECK_EQ_INT(verdict_unvalidated(&closed, false), VERDICT_UNVAL_NOT_HELD);
}

int main(void)
{
	RUN_TEST(test_table);
	RUN_TEST(test_unvalidated);
	RUN_TEST(test_names);
	HARNESS_EXIT();
}
