// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_val_judge.c: comparing a held reply with the validated truth
 * (judge_compare): identical, reordered, lower TTLs, a TTL above the signed
 * one (and the same forgiven and noted, told apart from forged content), a forged RR added, an RR replaced, a forged NXDOMAIN and NODATA,
 * authority/additional poisoning for a protected zone (flagged for proof) and
 * out-of-zone glue (irrelevant), DNSSEC records ignored.
 */
#include <string.h>

#include "harness.h"
#include "validator/val_internal.h"
#include "validator/validator.h"

static struct dw_config cfg;

static ldns_rr *rr(const char *text)
{
	ldns_rr *r = NULL;

	if (ldns_rr_new_frm_str(&r, text, 300, NULL, NULL) != LDNS_STATUS_OK) {
		fprintf(stderr, "bad test RR: %s\n", text);
		exit(1);
	}
	return r;
}

/* A held reply: question, rcode, then sections of RR texts ("|" separates sections). */
static ldns_pkt *held(const char *qname, ldns_rr_type qt, int rcode, const char *const *ans,
		      const char *const *auth, const char *const *add)
{
	ldns_rdf *qn = ldns_dname_new_frm_str(qname);
	ldns_pkt *p = ldns_pkt_query_new(qn, qt, LDNS_RR_CLASS_IN, LDNS_RD);

	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_rcode(p, rcode);
	for (; ans && *ans; ans++)
		ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr(*ans));
	for (; auth && *auth; auth++)
		ldns_pkt_push_rr(p, LDNS_SECTION_AUTHORITY, rr(*auth));
	for (; add && *add; add++)
		ldns_pkt_push_rr(p, LDNS_SECTION_ADDITIONAL, rr(*add));
	return p;
}

/* The truth: rrs with their maximum TTLs, as the chain walk records them. */
static void truth(struct val_truth *t, int rcode, const char *zone, const char *const *rrs)
{
	memset(t, 0, sizeof(*t));
	t->st.outcome = VAL_SECURE;
	t->st.ttl = 300;
	t->rcode = rcode;
	t->rrs = ldns_rr_list_new();
	t->zone = ldns_dname_new_frm_str(zone);
	for (; rrs && *rrs; rrs++)
		ldns_rr_list_push_rr(t->rrs, rr(*rrs));
}

static const char *const truth_rr_set[] = {
    "rr.idp.test. 300 IN A 203.0.113.84",
    "rr.idp.test. 300 IN A 203.0.113.85",
    "rr.idp.test. 300 IN RRSIG A 13 3 300 20270101000000 20260101000000 12345 idp.test. "
    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "==",
    NULL,
};

static bool judge(const ldns_pkt *p, const struct val_truth *t, ldns_rr_list *extra, char *why)
{
	return judge_compare(&cfg, p, t, extra, NULL, why, VAL_REASON_LEN);
}

static void run_answer_case(const char *const *ans, bool expect, const char *why_part)
{
	struct val_truth t;
	ldns_pkt *p = held("rr.idp.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, ans, NULL, NULL);
	char why[VAL_REASON_LEN] = "";

	truth(&t, LDNS_RCODE_NOERROR, "idp.test.", truth_rr_set);
	CHECK_EQ_INT(judge(p, &t, NULL, why), expect);
	if (why_part) {
		CHECK(strstr(why, why_part) != NULL);
		if (!strstr(why, why_part))
			fprintf(stderr, "  reason: %s\n", why);
	}
	truth_clear(&t);
	ldns_pkt_free(p);
}

static void test_identical(void)
{
	const char *a[] = {"rr.idp.test. 300 IN A 203.0.113.84",
			   "rr.idp.test. 300 IN A 203.0.113.85", NULL};
	run_answer_case(a, true, NULL);
}

static void test_reordered_and_case(void)
{
	const char *a[] = {"RR.idp.TEST. 300 IN A 203.0.113.85",
			   "rr.idp.test. 300 IN A 203.0.113.84", NULL};
	run_answer_case(a, true, NULL);
}

static void test_lower_ttls(void)
{
	const char *a[] = {"rr.idp.test. 17 IN A 203.0.113.84", "rr.idp.test. 17 IN A 203.0.113.85",
			   NULL};
	run_answer_case(a, true, NULL);
}

static void test_ttl_above_signed(void)
{
	const char *a[] = {"rr.idp.test. 86400 IN A 203.0.113.84", NULL};
	run_answer_case(a, false, "TTL 86400 above the signed original TTL");
}

/*
 * Forgiving raised TTLs tells a copy whose only fault is its TTLs from forged
 * content: its records are covered, counted at their signed TTL.
 */
static void test_raised_ttls_told_apart(void)
{
	const char *raised[] = {"rr.idp.test. 86400 IN A 203.0.113.84",
				"rr.idp.test. 120 IN A 203.0.113.85", NULL};
	const char *forged[] = {"rr.idp.test. 86400 IN A 203.0.113.84",
				"rr.idp.test. 300 IN A 198.51.100.66", NULL};
	const char *ns[] = {"idp.test. 86400 IN NS ns1.idp.test.", NULL};
	const char *truth_ns[] = {"rr.idp.test. 300 IN A 203.0.113.84", NULL,
				  "idp.test. 3600 IN NS ns1.idp.test.", NULL};
	char why[VAL_REASON_LEN] = "";
	struct judge_ttls c;
	struct val_truth t;
	ldns_pkt *p;

	truth(&t, LDNS_RCODE_NOERROR, "idp.test.", truth_rr_set);
	p = held("rr.idp.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, raised, NULL, NULL);
	judge_ttls_init(&c);
	CHECK(judge_compare(&cfg, p, &t, NULL, &c, why, sizeof(why)));
	CHECK(c.raised);
	CHECK_EQ_INT(c.max, 300);
	CHECK_EQ_INT(c.min, 120);
	CHECK(strstr(c.why, "TTL 86400 above the signed original TTL 300") != NULL);
	CHECK(!judge_compare(&cfg, p, &t, NULL, NULL, why, sizeof(why)));
	ldns_pkt_free(p);
	p = held("rr.idp.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, forged, NULL, NULL);
	judge_ttls_init(&c);
	CHECK(!judge_compare(&cfg, p, &t, NULL, &c, why, sizeof(why)));
	CHECK(strstr(why, "198.51.100.66 is not in the validated data") != NULL);
	ldns_pkt_free(p);
	truth_clear(&t);
	/* a relevant authority RR with its TTL raised is covered too, not sent for proof */
	truth(&t, LDNS_RCODE_NOERROR, "idp.test.", truth_ns);
	ldns_rr_list_push_rr(t.rrs, rr(truth_ns[2]));
	p = held("rr.idp.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, truth_ns, ns, NULL);
	judge_ttls_init(&c);
	CHECK(judge_compare(&cfg, p, &t, NULL, &c, why, sizeof(why)));
	CHECK(c.raised);
	CHECK_EQ_INT(c.max, 3600);
	CHECK(strstr(c.why, "authority or additional idp.test/NS") != NULL);
	ldns_pkt_free(p);
	truth_clear(&t);
}

static void test_subset_of_rotating_set(void)
{
	const char *a[] = {"rr.idp.test. 300 IN A 203.0.113.85", NULL};
	run_answer_case(a, true, NULL);
}

static void test_forged_rr_added(void)
{
	const char *a[] = {"rr.idp.test. 300 IN A 203.0.113.84",
			   "rr.idp.test. 300 IN A 203.0.113.85",
			   "rr.idp.test. 300 IN A 198.51.100.66", NULL};
	run_answer_case(a, false, "rr.idp.test/A 198.51.100.66 is not in the validated data");
}

static void test_rr_replaced(void)
{
	const char *a[] = {"rr.idp.test. 300 IN A 203.0.113.84",
			   "rr.idp.test. 300 IN A 198.51.100.66", NULL};
	run_answer_case(a, false, "198.51.100.66 is not in the validated data");
}

static void test_forged_rrsig_ignored(void)
{
	const char *a[] = {"rr.idp.test. 300 IN A 203.0.113.84",
			   "rr.idp.test. 300 IN RRSIG A 13 3 300 20270101000000 20260101000000 999 "
			   "idp.test. AAAA",
			   NULL};
	run_answer_case(a, true, NULL);
}

static void test_forged_nxdomain(void)
{
	struct val_truth t;
	ldns_pkt *p = held("rr.idp.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, NULL, NULL, NULL);
	char why[VAL_REASON_LEN] = "";

	truth(&t, LDNS_RCODE_NOERROR, "idp.test.", truth_rr_set);
	CHECK(!judge(p, &t, NULL, why));
	CHECK(strstr(why, "forged NXDOMAIN: rr.idp.test exists") != NULL);
	truth_clear(&t);
	ldns_pkt_free(p);
}

static void test_forged_nodata(void)
{
	struct val_truth t;
	const char *soa[] = {"idp.test. 300 IN SOA ns1.idp.test. h.idp.test. 1 2 3 4 300", NULL};
	ldns_pkt *p = held("rr.idp.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, NULL, soa, NULL);
	char why[VAL_REASON_LEN] = "";

	truth(&t, LDNS_RCODE_NOERROR, "idp.test.", truth_rr_set);
	CHECK(!judge(p, &t, NULL, why));
	CHECK(strstr(why, "forged NODATA") != NULL);
	truth_clear(&t);
	ldns_pkt_free(p);
}

/* A truncated reply's empty answer did not fit: not a forged NODATA; its records still count. */
static void test_truncated_empty_answer(void)
{
	struct val_truth t;
	const char *soa[] = {"idp.test. 300 IN SOA ns1.idp.test. h.idp.test. 1 2 3 4 300", NULL};
	const char *forged[] = {"rr.idp.test. 300 IN A 192.0.2.66", NULL};
	ldns_pkt *p = held("rr.idp.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, NULL, soa, NULL);
	ldns_pkt *f = held("rr.idp.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, forged, NULL, NULL);
	char why[VAL_REASON_LEN] = "";

	truth(&t, LDNS_RCODE_NOERROR, "idp.test.", truth_rr_set);
	ldns_pkt_set_tc(p, true);
	CHECK(judge(p, &t, NULL, why));
	ldns_pkt_set_tc(f, true);
	CHECK(!judge(f, &t, NULL, why));
	CHECK(strstr(why, "is not in the validated data") != NULL);
	truth_clear(&t);
	ldns_pkt_free(p);
	ldns_pkt_free(f);
}

static void test_true_nxdomain(void)
{
	const char *const tr[] = {"idp.test. 300 IN SOA ns1.idp.test. h.idp.test. 1 2 3 4 300",
				  "idp.test. 300 IN NSEC ldap.idp.test. A NS SOA RRSIG NSEC DNSKEY",
				  NULL};
	const char *auth[] = {"idp.test. 120 IN SOA ns1.idp.test. h.idp.test. 1 2 3 4 300",
			      "idp.test. 120 IN NSEC ldap.idp.test. A NS SOA RRSIG NSEC DNSKEY",
			      NULL};
	struct val_truth t;
	ldns_pkt *p = held("nope.idp.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, NULL, auth, NULL);
	char why[VAL_REASON_LEN] = "";
	ldns_rr_list *extra = ldns_rr_list_new();

	truth(&t, LDNS_RCODE_NXDOMAIN, "idp.test.", tr);
	CHECK(judge(p, &t, extra, why));
	CHECK_EQ_INT(ldns_rr_list_rr_count(extra), 0);
	ldns_rr_list_deep_free(extra);
	truth_clear(&t);
	ldns_pkt_free(p);
}

/* An extra NS or glue for the protected zone must go to proof; foreign glue is irrelevant. */
static void test_authority_poisoning(void)
{
	const char *a[] = {"rr.idp.test. 300 IN A 203.0.113.84", NULL};
	const char *auth[] = {"idp.test. 300 IN NS ns.evil.example.",
			      "test. 300 IN NS ns.evil.example.", NULL};
	const char *add[] = {"ns1.idp.test. 300 IN A 198.51.100.66",
			     "ns.unrelated.example. 300 IN A 198.51.100.67", NULL};
	struct val_truth t;
	ldns_pkt *p = held("rr.idp.test.", LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, a, auth, add);
	ldns_rr_list *extra = ldns_rr_list_new();
	char why[VAL_REASON_LEN] = "", o[CFG_NAME_LEN];
	size_t i;
	bool saw_idp = false, saw_test = false, saw_glue = false, saw_foreign = false;

	truth(&t, LDNS_RCODE_NOERROR, "idp.test.", truth_rr_set);
	CHECK(judge(p, &t, extra, why));
	for (i = 0; i < ldns_rr_list_rr_count(extra); i++) {
		const ldns_rr *x = ldns_rr_list_rr(extra, i);

		name_str(ldns_rr_owner(x), o, sizeof(o));
		saw_idp |= !strcmp(o, "idp.test") && ldns_rr_get_type(x) == LDNS_RR_TYPE_NS;
		saw_test |= !strcmp(o, "test") && ldns_rr_get_type(x) == LDNS_RR_TYPE_NS;
		saw_glue |= !strcmp(o, "ns1.idp.test");
		saw_foreign |= !strcmp(o, "ns.unrelated.example");
	}
	CHECK(saw_idp);
	CHECK(saw_test);
	CHECK(saw_glue);
	CHECK(!saw_foreign);
	ldns_rr_list_deep_free(extra);
	truth_clear(&t);
	ldns_pkt_free(p);
}

/* A protected zone named in the config makes its names relevant anywhere in a reply. */
static void test_relevant_protected_zone(void)
{
	ldns_rr *glue = rr("ns.corp.example. 300 IN A 198.51.100.70");
	ldns_rdf *qn = ldns_dname_new_frm_str("rr.idp.test.");
	ldns_rdf *zone = ldns_dname_new_frm_str("idp.test.");

	CHECK(!judge_relevant(&cfg, qn, zone, glue));
	snprintf(cfg.zones[0].name, sizeof(cfg.zones[0].name), "corp.example");
	cfg.n_zones = 1;
	CHECK(judge_relevant(&cfg, qn, zone, glue));
	cfg.n_zones = 0;
	ldns_rr_free(glue);
	ldns_rdf_deep_free(qn);
	ldns_rdf_deep_free(zone);
}

/*
 * A DNS-SD instance name (a space, bytes above 0x7f) belongs to its protected
 * zone like any other name, so a record for it in a reply about another zone
 * is relevant, and the CNAME relaxation of its zone applies to it.
 */
static void test_relevant_dnssd_name(void)
{
	ldns_rr *srv = rr("my\\032printer\\200._ipp._tcp.sd.test. 300 IN SRV 0 0 631 "
			  "evil.example.");
	ldns_rdf *qn = ldns_dname_new_frm_str("rr.idp.test.");
	ldns_rdf *zone = ldns_dname_new_frm_str("idp.test.");
	const struct cfg_zone *z;

	CHECK(!judge_relevant(&cfg, qn, zone, srv));
	snprintf(cfg.zones[0].name, sizeof(cfg.zones[0].name), "sd.test");
	cfg.n_zones = 1;
	CHECK(judge_relevant(&cfg, qn, zone, srv));
	z = name_zone(&cfg, ldns_rr_owner(srv));
	CHECK(z == &cfg.zones[0]);
	cfg.n_zones = 0;
	ldns_rr_free(srv);
	ldns_rdf_deep_free(qn);
	ldns_rdf_deep_free(zone);
}

/* The whole-message entry point rejects what is not a response with one question. */
static void test_judge_reply_garbage(void)
{
	struct validator *v;
	struct val_result res;
	char err[256];
	uint8_t junk[40] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};

	cfg.n_anchors = 1;
	snprintf(cfg.anchors[0].inline_rr, sizeof(cfg.anchors[0].inline_rr),
		 ". 3600 IN DS 43983 13 2 "
		 "47803520035994d6bbb92a35d64305b7c7cc7d953a8d85868a9c06ffde84a001");
	v = validator_new(&cfg, err, sizeof(err));
	CHECK(v != NULL);
	if (!v)
		return;
	CHECK(validator_judge_reply(v, junk, sizeof(junk), &res) < 0); /* a query, not a reply */
	CHECK_EQ_INT(res.outcome, VAL_BOGUS);
	CHECK(validator_judge_reply(v, junk, 5, &res) < 0);
	CHECK_EQ_INT(res.outcome, VAL_BOGUS);
	validator_free(v);
}

/*
 * A truncated NOERROR reply without records needs no truth (nothing here has
 * an upstream): it passes so the client retries over TCP. Without TC, or
 * with a record, or as NXDOMAIN, it needs the truth, which cannot be had.
 */
static void test_judge_reply_truncated(void)
{
	struct {
		uint16_t flags, ancount;
		enum val_outcome outcome;
	} cases[] = {
	    {0x8300, 0, VAL_SECURE},	    /* QR RD TC, NOERROR, empty */
	    {0x8100, 0, VAL_INDETERMINATE}, /* no TC: an empty answer is judged */
	    {0x8303, 0, VAL_INDETERMINATE}, /* TC with NXDOMAIN: judged */
	    {0x8300, 1, VAL_INDETERMINATE}, /* TC with a record: judged */
	};
	static const uint8_t q[] = {2,	 'r', 'r', 3, 'i', 'd', 'p', 4, 't',
				    'e', 's', 't', 0, 0,   1,	0,   1};
	static const uint8_t a[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 192, 0, 2, 66};
	struct validator *v;
	struct val_result res;
	char err[256];
	uint8_t msg[64];
	size_t i, n;

	cfg.n_anchors = 1;
	v = validator_new(&cfg, err, sizeof(err));
	CHECK(v != NULL);
	for (i = 0; v && i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t h[12] = {0x12, 0x34, cases[i].flags >> 8, cases[i].flags & 0xff, 0,
				 1,    0,    cases[i].ancount};

		memcpy(msg, h, 12);
		memcpy(msg + 12, q, sizeof(q));
		n = 12 + sizeof(q);
		if (cases[i].ancount) {
			memcpy(msg + n, a, sizeof(a));
			n += sizeof(a);
		}
		memset(&res, 0, sizeof(res));
		CHECK_EQ_INT(validator_judge_reply(v, msg, n, &res), 0);
		if (res.outcome != cases[i].outcome)
			fprintf(stderr, "  case %zu: outcome %d (%s), want %d\n", i, res.outcome,
				res.reason, cases[i].outcome);
		CHECK_EQ_INT(res.outcome, cases[i].outcome);
	}
	validator_free(v);
}

int main(void)
{
	config_defaults(&cfg);
	RUN_TEST(test_identical);
	RUN_TEST(test_reordered_and_case);
	RUN_TEST(test_lower_ttls);
	RUN_TEST(test_ttl_above_signed);
	RUN_TEST(test_raised_ttls_told_apart);
	RUN_TEST(test_subset_of_rotating_set);
	RUN_TEST(test_forged_rr_added);
	RUN_TEST(test_rr_replaced);
	RUN_TEST(test_forged_rrsig_ignored);
	RUN_TEST(test_forged_nxdomain);
	RUN_TEST(test_forged_nodata);
	RUN_TEST(test_truncated_empty_answer);
	RUN_TEST(test_true_nxdomain);
	RUN_TEST(test_authority_poisoning);
	RUN_TEST(test_relevant_protected_zone);
	RUN_TEST(test_relevant_dnssd_name);
	RUN_TEST(test_judge_reply_garbage);
	RUN_TEST(test_judge_reply_truncated);
	HARNESS_EXIT();
}
