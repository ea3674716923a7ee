// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_judge.c: arbitrary bytes as a held reply, through message parsing and
 * judging. The validator has a trust anchor but no upstream, so every reply
 * that parses comes out INDETERMINATE (or an error-reply/NTA verdict): the
 * point is that nothing crashes, leaks or reads out of bounds. The comparison
 * itself is also run against a fixed truth so its code sees fuzzed RRs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "validator/val_internal.h"
#include "validator/validator.h"

static struct validator *v;
static struct dw_config cfg;
static struct val_truth truth;

static void setup(void)
{
	char err[256];
	ldns_rr *r = NULL;

	config_defaults(&cfg);
	cfg.n_anchors = 1;
	snprintf(cfg.anchors[0].inline_rr, sizeof(cfg.anchors[0].inline_rr),
		 ". 3600 IN DS 43983 13 2 "
		 "47803520035994d6bbb92a35d64305b7c7cc7d953a8d85868a9c06ffde84a001");
	snprintf(cfg.zones[0].name, sizeof(cfg.zones[0].name), "idp.test");
	cfg.n_zones = 1;
	v = validator_new(&cfg, err, sizeof(err));
	if (!v)
		abort();
	truth.rrs = ldns_rr_list_new();
	truth.zone = ldns_dname_new_frm_str("idp.test.");
	if (ldns_rr_new_frm_str(&r, "www.idp.test. 300 IN A 203.0.113.81", 300, NULL, NULL) ==
	    LDNS_STATUS_OK)
		ldns_rr_list_push_rr(truth.rrs, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct val_result res;
	ldns_pkt *p = NULL;

	if (!v)
		setup();
	validator_judge_reply(v, data, size, &res);
	if (res.outcome == VAL_SECURE && res.reason[0] == 0)
		abort(); /* a verdict always carries its reason */
	if (ldns_wire2pkt(&p, data, size) == LDNS_STATUS_OK && ldns_pkt_qdcount(p) == 1 &&
	    ldns_rr_list_rr(ldns_pkt_question(p), 0)) {
		ldns_rr_list *extra = ldns_rr_list_new();
		struct judge_ttls ttls;
		char why[VAL_REASON_LEN];
		bool strict;

		judge_ttls_init(&ttls);
		strict = judge_compare(&cfg, p, &truth, extra, NULL, why, sizeof(why));
		/* forgiving raised TTLs never rejects what the strict judgement accepts */
		if (!judge_compare(&cfg, p, &truth, extra, &ttls, why, sizeof(why)) && strict)
			abort();
		ldns_rr_list_deep_free(extra);
	}
	ldns_pkt_free(p);
	return 0;
}
