// SPDX-License-Identifier: BSD-2-Clause
/*
 * bench_validator.c: validations per second over the in-process signed
 * hierarchy of tests/unit/val_fake.h (served on loopback in a private network
 * namespace): cold cache (every DS/DNSKEY fetched and verified), warm chain
 * (keys cached, a new name each time, its answer and wildcard proof fetched
 * and their signatures verified; then the same with the signatures
 * remembered from the name before, the memo's case), warm chain with the wildcard proven (a new name answered
 * from the kept wildcard and its denial, RFC 8198), cached answers; plus one RRSIG
 * verification per algorithm, through ldns (verify_*, the baseline for)
 * the validator's own verifier with its key cache (verify_dnsward_*).
 * Baseline in the same run: one query/answer round trip to the same stand-in
 * resolver. Prints "name value unit" lines.
 */
#include <time.h>

#include "val_fake.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void build(char *root_ds, size_t len)
{
	static const char *const idp[] = {
	    "idp.test. 300 IN NS ns1.idp.test.", "ns1.idp.test. 300 IN A 203.0.113.12",
	    "www.idp.test. 300 IN A 203.0.113.81", "*.wild.idp.test. 300 IN A 203.0.113.83", NULL};
	ldns_key *ki =
	    f_key(LDNS_SIGN_ECDSAP256SHA256, 256, "idp.test.", FAKE_T0 - 3600, FAKE_T0 + 86400);
	ldns_key *kt = f_key(LDNS_SIGN_RSASHA256, 2048, "test.", FAKE_T0 - 3600, FAKE_T0 + 86400);
	ldns_key *kr = f_key(LDNS_SIGN_ED25519, 256, ".", FAKE_T0 - 3600, FAKE_T0 + 86400);
	char ds1[512], ds2[512];
	const char *test[] = {"test. 300 IN NS ns1.test.", "idp.test. 300 IN NS ns1.idp.test.",
			      f_ds(ki, ds1, sizeof(ds1)), NULL};
	const char *root[] = {". 300 IN NS a.root-servers.test.", "test. 300 IN NS ns1.test.",
			      f_ds(kt, ds2, sizeof(ds2)), NULL};

	f_add("idp.test.", f_sign("idp.test.", idp, ki, F_NSEC, 0, NULL));
	f_add("test.", f_sign("test.", test, kt, F_NSEC, 0, NULL));
	f_add(".", f_sign(".", root, kr, F_NSEC, 0, NULL));
	f_ds(kr, root_ds, len);
	ldns_key_deep_free(ki);
	ldns_key_deep_free(kt);
	ldns_key_deep_free(kr);
}

static void bench_validations(struct validator *v, const char *label, int mode)
{
	struct val_result res;
	double t0 = now_s(), el;
	int n = 0, bad = 0;
	char name[64];

	do {
		if (mode == 0)
			validator_flush(v, NULL);
		if (mode == 3 || mode == 5) /* the chain stays; the proven wildcard goes */
			validator_flush(v, "wild.idp.test");
		if (mode == 3) /* and so do the signatures verified (same RRSIGs for every name) */
			sig_memo_clear(v->keycache);
		snprintf(name, sizeof(name), mode & 1 ? "n%d.wild.idp.test" : "www.idp.test", n);
		validator_check_name(v, name, LDNS_RR_TYPE_A, &res);
		bad += res.outcome != VAL_SECURE;
		n++;
		el = now_s() - t0;
	} while (el < 1.0 && n < 200000);
	printf("%s %.0f validations/s%s\n", label, n / el, bad ? " (some not secure!)" : "");
}

static void bench_roundtrip(void)
{
	struct validator *v;
	struct val_work w;
	struct dw_config *c = calloc(1, sizeof(*c));
	ldns_rdf *n = ldns_dname_new_frm_str("www.idp.test.");
	char err[256];
	double t0, el;
	int i = 0;

	config_defaults(c);
	c->n_anchors = 1;
	snprintf(c->anchors[0].inline_rr, sizeof(c->anchors[0].inline_rr),
		 ". 3600 IN DS 1 13 2 00");
	f_upstream(c);
	c->limits.queries_per_validation = 1u << 30;
	v = validator_new(c, err, sizeof(err));
	memset(&w, 0, sizeof(w));
	w.v = v;
	t0 = now_s();
	do {
		ldns_pkt *p = NULL;

		if (!upstream_query(&w, n, LDNS_RR_TYPE_A, &p, err, sizeof(err)))
			ldns_pkt_free(p);
		i++;
		el = now_s() - t0;
	} while (el < 1.0);
	printf("baseline_upstream_roundtrip %.0f queries/s\n", i / el);
	validator_free(v);
	ldns_rdf_deep_free(n);
	free(c);
}

/* The same signature through the validator's own verifier (sig_verify_rrset, key cache). */
static void bench_verify_path(struct validator *v, ldns_rr_list *set, ldns_rr_list *sigs,
			      ldns_rr *key, const char *label)
{
	struct val_work w = {.v = v, .now = FAKE_T0};
	ldns_rr_list *keys = ldns_rr_list_new();
	ldns_rdf *zone = ldns_dname_new_frm_str("idp.test.");
	double t0, el;
	int n = 0, ok = 0;

	ldns_rr_list_push_rr(keys, key);
	t0 = now_s();
	do {
		struct val_status st = {0};

		w.sigs = 0;
		sig_memo_clear(v->keycache); /* the verification itself, not the memo */
		sig_verify_rrset(&w, set, sigs, keys, zone, &st, NULL);
		ok += st.outcome == VAL_SECURE;
		n++;
		el = now_s() - t0;
	} while (el < 0.5);
	printf("verify_dnsward_%s %.1f us/signature%s\n", label, el * 1e6 / n,
	       ok == n ? "" : " (failed!)");
	ldns_rr_list_free(keys);
	ldns_rdf_deep_free(zone);
}

static void bench_verify(struct validator *v, ldns_signing_algorithm alg, int bits,
			 const char *label)
{
	ldns_key *k = f_key(alg, bits, "idp.test.", FAKE_T0 - 3600, FAKE_T0 + 86400);
	ldns_key_list *kl = ldns_key_list_new();
	ldns_rr_list *set = ldns_rr_list_new(), *sigs;
	ldns_rr *key = f_dnskey(k);
	double t0, el;
	int n = 0, ok = 0;

	ldns_rr_list_push_rr(set, f_rr("www.idp.test. 300 IN A 203.0.113.81"));
	ldns_key_list_push_key(kl, k);
	sigs = ldns_sign_public(set, kl);
	t0 = now_s();
	do {
		ok += ldns_verify_rrsig_time(set, ldns_rr_list_rr(sigs, 0), key, FAKE_T0) ==
		      LDNS_STATUS_OK;
		n++;
		el = now_s() - t0;
	} while (el < 0.5);
	printf("verify_%s %.1f us/signature%s\n", label, el * 1e6 / n, ok == n ? "" : " (failed!)");
	bench_verify_path(v, set, sigs, key, label);
	ldns_rr_list_deep_free(set);
	ldns_rr_list_deep_free(sigs);
	ldns_rr_free(key);
	ldns_key_list_free(kl);
}

int main(void)
{
	struct dw_config *cfg = calloc(1, sizeof(*cfg));
	struct validator *v;
	char root_ds[512], err[256];

	if (f_netns()) {
		fprintf(stderr, "bench_validator: needs root (private network namespace)\n");
		return 1;
	}
	build(root_ds, sizeof(root_ds));
	if (f_start())
		return 1;
	config_defaults(cfg);
	cfg->n_anchors = 1;
	snprintf(cfg->anchors[0].inline_rr, sizeof(cfg->anchors[0].inline_rr), "%s", root_ds);
	f_upstream(cfg);
	cfg->limits.rrset_cache = 1000000;
	cfg->limits.signature_cache =
	    64; /* cleared where a figure must not use it: keep it cheap */
	v = validator_new(cfg, err, sizeof(err));
	if (!v) {
		fprintf(stderr, "bench_validator: %s\n", err);
		return 1;
	}
	validator_set_time(v, FAKE_T0);
	bench_roundtrip();
	bench_validations(v, "cold_cache", 0);
	validator_flush(v, NULL);
	bench_validations(v, "warm_chain", 3);
	bench_validations(v, "warm_chain_signatures_remembered", 5);
	bench_validations(v, "warm_chain_proven_wildcard", 1);
	bench_validations(v, "cached_answer", 2);
	bench_verify(v, LDNS_SIGN_ECDSAP256SHA256, 256, "ecdsa_p256");
	bench_verify(v, LDNS_SIGN_RSASHA256, 2048, "rsa2048_sha256");
	bench_verify(v, LDNS_SIGN_ED25519, 256, "ed25519");
	validator_free(v);
	f_stop();
	free(cfg);
	return 0;
}
