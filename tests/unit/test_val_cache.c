// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_val_cache.c: the validator's RRset cache gives back what was put in
 * (records, TTLs, outcome, reason, zone; names found whatever their case), stays
 * within both of its bounds (entries and bytes) under many distinct names,
 * lets the least recently used go first, and never keeps an entry larger
 * than the whole cache.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "validator/val_internal.h"

static ldns_rdf *dname(const char *s)
{
	return ldns_dname_new_frm_str(s);
}

/* A truth for name: an A record and its RRSIG, padded with TXT records. */
static void make_truth(struct val_truth *t, const char *name, int pad)
{
	char rr[600];
	ldns_rr *r = NULL;
	int i;

	memset(t, 0, sizeof(*t));
	t->rrs = ldns_rr_list_new();
	t->zone = dname("idp.test.");
	t->st.outcome = VAL_SECURE;
	t->st.ttl = 300;
	snprintf(t->st.reason, sizeof(t->st.reason), "proven %s", name);
	snprintf(rr, sizeof(rr), "%s 300 IN A 203.0.113.7", name);
	if (ldns_rr_new_frm_str(&r, rr, 0, NULL, NULL) == LDNS_STATUS_OK)
		ldns_rr_list_push_rr(t->rrs, r);
	snprintf(rr, sizeof(rr),
		 "%s 300 IN RRSIG A 13 3 300 20261201000000 20261101000000 12345 idp.test. "
		 "c2lnbmF0dXJlIGJ5dGVzIGZvciB0ZXN0aW5nIHRoZSBjYWNoZSBvbmx5IQ==",
		 name);
	r = NULL;
	if (ldns_rr_new_frm_str(&r, rr, 0, NULL, NULL) == LDNS_STATUS_OK)
		ldns_rr_list_push_rr(t->rrs, r);
	for (i = 0; i < pad; i++) {
		snprintf(rr, sizeof(rr), "%s 300 IN TXT \"%0*d\"", name, 200, i);
		r = NULL;
		if (ldns_rr_new_frm_str(&r, rr, 0, NULL, NULL) == LDNS_STATUS_OK)
			ldns_rr_list_push_rr(t->rrs, r);
	}
}

static void test_round_trip(void)
{
	struct val_cache *c = cache_new(100, 65536);
	struct val_truth in, out;
	ldns_rdf *n = dname("WWW.Idp.Test."), *lower = dname("www.idp.test.");
	size_t i;

	make_truth(&in, "WWW.Idp.Test.", 1);
	cache_put(c, CACHE_TRUTH, n, LDNS_RR_TYPE_A, 1000, &in);
	CHECK_EQ_INT(cache_count(c), 1);
	CHECK(!cache_get(c, CACHE_KEYS, lower, LDNS_RR_TYPE_A, 1000, &out));
	CHECK(!cache_get(c, CACHE_TRUTH, lower, LDNS_RR_TYPE_AAAA, 1000, &out));
	CHECK(cache_get(c, CACHE_TRUTH, lower, LDNS_RR_TYPE_A, 1100, &out));
	CHECK_EQ_INT(out.st.outcome, VAL_SECURE);
	CHECK_EQ_INT(out.st.ttl, 200);
	CHECK_EQ_STR(out.st.reason, "proven WWW.Idp.Test.");
	CHECK(out.zone && ldns_dname_compare(out.zone, in.zone) == 0);
	CHECK_EQ_INT(ldns_rr_list_rr_count(out.rrs), 3);
	for (i = 0; i < ldns_rr_list_rr_count(in.rrs) && i < ldns_rr_list_rr_count(out.rrs); i++) {
		CHECK_EQ_INT(
		    ldns_rr_compare(ldns_rr_list_rr(in.rrs, i), ldns_rr_list_rr(out.rrs, i)), 0);
		CHECK_EQ_INT(ldns_rr_ttl(ldns_rr_list_rr(out.rrs, i)), 300);
	}
	truth_clear(&out);
	CHECK(!cache_get(c, CACHE_TRUTH, lower, LDNS_RR_TYPE_A, 1300, &out)); /* expired */
	CHECK_EQ_INT(cache_count(c), 0);
	CHECK_EQ_INT(cache_bytes(c), 0);
	truth_clear(&in);
	ldns_rdf_deep_free(n);
	ldns_rdf_deep_free(lower);
	cache_free(c);
}

static void test_bounds_hold(void)
{
	const size_t max_bytes = 65536;
	struct val_cache *c = cache_new(1000, max_bytes);
	struct val_truth t, out;
	char name[64];
	bool over = false;
	int i;

	for (i = 0; i < 3000; i++) {
		ldns_rdf *n;

		snprintf(name, sizeof(name), "n%d.wild.idp.test.", i);
		n = dname(name);
		make_truth(&t, name, i % 4);
		cache_put(c, CACHE_TRUTH, n, LDNS_RR_TYPE_A, 1000, &t);
		over |= cache_bytes(c) > max_bytes || cache_count(c) > 1000;
		truth_clear(&t);
		ldns_rdf_deep_free(n);
	}
	CHECK(!over);
	CHECK(cache_count(c) > 50); /* the bytes bound, not the entry bound, decides here */
	CHECK(cache_count(c) < 1000);
	for (i = 0; i < 2; i++) { /* the newest is there, the oldest went */
		ldns_rdf *n;

		snprintf(name, sizeof(name), "n%d.wild.idp.test.", i ? 2999 : 0);
		n = dname(name);
		CHECK_EQ_INT(cache_get(c, CACHE_TRUTH, n, LDNS_RR_TYPE_A, 1000, &out), i == 1);
		if (i == 1)
			truth_clear(&out);
		ldns_rdf_deep_free(n);
	}
	cache_flush(c, NULL);
	CHECK_EQ_INT(cache_count(c), 0);
	CHECK_EQ_INT(cache_bytes(c), 0);
	cache_free(c);
}

static void test_entry_larger_than_cache(void)
{
	struct val_cache *c = cache_new(100, 65536);
	struct val_truth t;
	ldns_rdf *n = dname("big.idp.test.");

	make_truth(&t, "big.idp.test.", 400); /* about 80 kB of TXT */
	cache_put(c, CACHE_TRUTH, n, LDNS_RR_TYPE_A, 1000, &t);
	CHECK_EQ_INT(cache_count(c), 0);
	CHECK_EQ_INT(cache_bytes(c), 0);
	truth_clear(&t);
	ldns_rdf_deep_free(n);
	cache_free(c);
}

int main(void)
{
	RUN_TEST(test_round_trip);
	RUN_TEST(test_bounds_hold);
	RUN_TEST(test_entry_larger_than_cache);
	HARNESS_EXIT();
}
